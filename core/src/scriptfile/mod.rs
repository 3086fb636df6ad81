//! Scripts authored as TOML files by organizers: questions, options,
//! branches and translations. Errors point to the line; adding a changed
//! script keeps the old versions (results record which one they used).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{
    Question, ReferenceData, Script, ScriptKind, ScriptTranslation, validate_reference_data,
};

/// A script file: a `Script` without its version (the campaign assigns it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    id: String,
    kind: ScriptKind,
    title: String,
    #[serde(default)]
    intro: String,
    questions: Vec<Question>,
    #[serde(default)]
    translations: BTreeMap<String, ScriptTranslation>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {problem}")]
pub struct ScriptFileError {
    pub file: String,
    pub line: usize,
    pub problem: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses and checks a script file; `version` is the version it will get.
pub fn parse_script(file: &str, text: &str, version: u32) -> Result<Script, ScriptFileError> {
    let parsed: ScriptFile = toml::from_str(text).map_err(|e| ScriptFileError {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        problem: e.message().trim().to_string(),
    })?;
    let script = Script {
        id: parsed.id,
        version,
        kind: parsed.kind,
        title: parsed.title,
        intro: parsed.intro,
        questions: parsed.questions,
        translations: parsed.translations,
    };
    let check = ReferenceData {
        scripts: vec![script.clone()],
        ..ReferenceData::default()
    };
    validate_reference_data(&check).map_err(|e| {
        // Point at the question the problem is about, when it names one.
        let line = script
            .questions
            .iter()
            .filter(|q| {
                e.record.ends_with(&format!("question {}", q.id))
                    || e.problem.contains(&format!("{:?}", q.id))
            })
            .find_map(|q| {
                text.find(&format!("id = \"{}\"", q.id))
                    .or_else(|| text.find(&format!("id = '{}'", q.id)))
            })
            .map(|o| line_of(text, o))
            .unwrap_or(1);
        ScriptFileError {
            file: file.to_string(),
            line,
            problem: e.to_string(),
        }
    })?;
    Ok(script)
}

/// What adding a script file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddedScript {
    New { id: String, version: u32 },
    NewVersion { id: String, version: u32 },
    Unchanged { id: String, version: u32 },
}

/// Adds the script in `text` to the campaign: a new id starts at version 1,
/// a changed script becomes the next version (old versions are kept), an
/// unchanged one is a no-op.
pub fn add_script(
    data: &mut ReferenceData,
    file: &str,
    text: &str,
) -> Result<AddedScript, ScriptFileError> {
    let probe = parse_script(file, text, 1)?;
    let latest = data
        .scripts
        .iter()
        .filter(|s| s.id == probe.id)
        .max_by_key(|s| s.version)
        .cloned();
    match latest {
        None => {
            let id = probe.id.clone();
            data.scripts.push(probe);
            Ok(AddedScript::New { id, version: 1 })
        }
        Some(l)
            if Script {
                version: l.version,
                ..probe.clone()
            } == l =>
        {
            Ok(AddedScript::Unchanged {
                id: l.id,
                version: l.version,
            })
        }
        Some(l) => {
            if l.kind != probe.kind {
                return Err(ScriptFileError {
                    file: file.to_string(),
                    line: text.find("kind").map(|o| line_of(text, o)).unwrap_or(1),
                    problem: format!(
                        "script {} is a {:?} script; a new version cannot change its kind",
                        l.id, l.kind
                    ),
                });
            }
            let version = l.version + 1;
            data.scripts.push(Script { version, ..probe });
            Ok(AddedScript::NewVersion { id: l.id, version })
        }
    }
}

#[cfg(test)]
mod tests;
