use super::*;

const SCRIPT: &str = r#"id = "spring-canvass"
kind = "canvass"
title = "Spring canvass"
intro = "Hi, I'm a volunteer with the campaign."

[[questions]]
id = "support"
prompt = "Do you support our candidate?"
kind = "choice"
options = [
  { id = "1", label = "Strong support" },
  { id = "5", label = "Strong oppose" },
]
branches = [{ when_answer = "5", go_to = "notes" }]

[[questions]]
id = "notes"
prompt = "Notes"
kind = "text"

[translations.es]
intro = "Hola, soy voluntario."
[translations.es.questions.support]
prompt = "¿Apoya a nuestra candidata?"
options = { "1" = "Apoyo firme" }
"#;

#[test]
fn a_script_file_parses_with_branches_and_translations() {
    let s = parse_script("spring.toml", SCRIPT, 1).unwrap();
    assert_eq!(s.questions.len(), 2);
    assert_eq!(s.next_question("support", "5").unwrap().id, "notes");
    assert_eq!(
        s.localized("es").questions[0].options[0].label,
        "Apoyo firme"
    );
}

#[test]
fn a_syntax_error_points_to_its_line() {
    let broken = SCRIPT.replace("prompt = \"Notes\"", "prompt = Notes");
    let e = parse_script("spring.toml", &broken, 1).unwrap_err();
    assert_eq!(e.line, 18, "{e}");
    assert!(e.to_string().starts_with("spring.toml line 18:"), "{e}");
}

#[test]
fn a_branch_to_a_missing_question_points_to_the_question() {
    let bad = SCRIPT.replace("go_to = \"notes\"", "go_to = \"closing\"");
    let e = parse_script("spring.toml", &bad, 1).unwrap_err();
    assert_eq!(e.line, 7, "{e}");
    assert!(
        e.problem.contains("\"closing\" which does not exist"),
        "{e}"
    );
}

#[test]
fn a_changed_script_becomes_a_new_version_and_old_versions_stay() {
    let mut data = ReferenceData::default();
    assert_eq!(
        add_script(&mut data, "f", SCRIPT).unwrap(),
        AddedScript::New {
            id: "spring-canvass".into(),
            version: 1
        }
    );
    assert_eq!(
        add_script(&mut data, "f", SCRIPT).unwrap(),
        AddedScript::Unchanged {
            id: "spring-canvass".into(),
            version: 1
        }
    );
    let edited = SCRIPT.replace("Strong support", "Strongly support");
    assert_eq!(
        add_script(&mut data, "f", &edited).unwrap(),
        AddedScript::NewVersion {
            id: "spring-canvass".into(),
            version: 2
        }
    );
    assert_eq!(
        data.scripts.iter().map(|s| s.version).collect::<Vec<_>>(),
        [1, 2]
    );
    let wrong_kind = edited.replace("kind = \"canvass\"", "kind = \"phone\"");
    assert!(
        add_script(&mut data, "f", &wrong_kind)
            .unwrap_err()
            .problem
            .contains("cannot change its kind")
    );
}
