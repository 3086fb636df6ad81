//! Referential and semantic checks on reference data, shared by the packet
//! installer (device) and the campaign loader (server).

use std::collections::{HashMap, HashSet};

use super::{
    AssignmentKind, Household, Person, QuestionKind, ReferenceData, ResultEffect, ScriptKind,
    normalize_phone,
};

/// A problem in reference data, naming the record and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{record}: {problem}")]
pub struct ReferenceError {
    /// e.g. `household H00012`, `script canvass-1 v2 question q3`.
    pub record: String,
    pub problem: String,
}

fn fail<T>(record: impl Into<String>, problem: impl Into<String>) -> Result<T, ReferenceError> {
    Err(ReferenceError {
        record: record.into(),
        problem: problem.into(),
    })
}

fn check_unique<'a>(
    kind: &str,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<HashSet<&'a str>, ReferenceError> {
    let mut seen = HashSet::new();
    for id in ids {
        if id.trim().is_empty() {
            return fail(
                format!("{kind} with an empty id"),
                "every record needs a non-empty id",
            );
        }
        if !seen.insert(id) {
            return fail(
                format!("{kind} {id}"),
                "the id appears more than once; ids must be unique",
            );
        }
    }
    Ok(seen)
}

/// Checks every record and every reference between records. Returns the first
/// problem found, in a stable order (campaign, households, people, turfs,
/// call lists, scripts, result codes, assignments).
pub fn validate_reference_data(data: &ReferenceData) -> Result<(), ReferenceError> {
    if let Some(c) = &data.campaign {
        let record = format!("campaign {}", c.id);
        if c.id.trim().is_empty() {
            return fail("campaign", "the campaign needs a non-empty id");
        }
        if c.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return fail(
                record,
                format!(
                    "time zone {:?} is not an IANA zone name such as America/Chicago",
                    c.time_zone
                ),
            );
        }
        if c.calling_hours.start >= c.calling_hours.end {
            return fail(record, "calling hours must start before they end");
        }
    }

    let households = check_unique("household", data.households.iter().map(|h| h.id.as_str()))?;
    for h in &data.households {
        check_household(h)?;
    }

    let people = check_unique("person", data.people.iter().map(|p| p.id.as_str()))?;
    for p in &data.people {
        if !households.contains(p.household_id.as_str()) {
            return fail(
                format!("person {}", p.id),
                format!(
                    "lives in household {} which is not in the data",
                    p.household_id
                ),
            );
        }
        check_person(p)?;
    }

    let turfs = check_unique("turf", data.turfs.iter().map(|t| t.id.as_str()))?;
    let mut turf_of: HashMap<&str, &str> = HashMap::new();
    for t in &data.turfs {
        let record = format!("turf {}", t.id);
        for h in &t.household_ids {
            if !households.contains(h.as_str()) {
                return fail(
                    record,
                    format!("walk order lists household {h} which is not in the data"),
                );
            }
            if let Some(other) = turf_of.insert(h.as_str(), t.id.as_str()) {
                if other == t.id {
                    return fail(record, format!("walk order lists household {h} twice"));
                }
                return fail(
                    record,
                    format!(
                        "household {h} is also in turf {other}; a household belongs to one turf"
                    ),
                );
            }
        }
    }

    let lists = check_unique("call list", data.call_lists.iter().map(|l| l.id.as_str()))?;
    for l in &data.call_lists {
        let mut seen = HashSet::new();
        for p in &l.person_ids {
            if !people.contains(p.as_str()) {
                return fail(
                    format!("call list {}", l.id),
                    format!("lists person {p} who is not in the data"),
                );
            }
            if !seen.insert(p.as_str()) {
                return fail(
                    format!("call list {}", l.id),
                    format!("lists person {p} twice"),
                );
            }
        }
    }

    let mut scripts: HashMap<&str, ScriptKind> = HashMap::new();
    let mut script_versions = HashSet::new();
    for s in &data.scripts {
        let record = format!("script {} v{}", s.id, s.version);
        if s.id.trim().is_empty() {
            return fail(
                "script with an empty id",
                "every script needs a non-empty id",
            );
        }
        if !script_versions.insert((s.id.as_str(), s.version)) {
            return fail(record, "this id and version appear more than once");
        }
        scripts.insert(s.id.as_str(), s.kind);
        let qids = check_unique(
            &format!("{record} question"),
            s.questions.iter().map(|q| q.id.as_str()),
        )?;
        for (idx, q) in s.questions.iter().enumerate() {
            let qrecord = format!("{record} question {}", q.id);
            let opts = check_unique(
                &format!("{qrecord} option"),
                q.options.iter().map(|o| o.id.as_str()),
            )?;
            match q.kind {
                QuestionKind::Choice if q.options.is_empty() => {
                    return fail(
                        qrecord,
                        "a choice question needs at least one answer option",
                    );
                }
                QuestionKind::Text if !q.options.is_empty() || !q.branches.is_empty() => {
                    return fail(
                        qrecord,
                        "a free-text question cannot have answer options or branches",
                    );
                }
                _ => {}
            }
            for b in &q.branches {
                if !opts.contains(b.when_answer.as_str()) {
                    return fail(
                        qrecord,
                        format!(
                            "branch on answer {:?} which is not one of its options",
                            b.when_answer
                        ),
                    );
                }
                if !qids.contains(b.go_to.as_str()) {
                    return fail(
                        qrecord,
                        format!("branch goes to question {:?} which does not exist", b.go_to),
                    );
                }
                let target = s
                    .questions
                    .iter()
                    .position(|x| x.id == b.go_to)
                    .unwrap_or(0);
                if target <= idx {
                    return fail(
                        qrecord,
                        format!(
                            "branch goes back to question {:?}; branches may only skip forward",
                            b.go_to
                        ),
                    );
                }
            }
        }
        for (lang, t) in &s.translations {
            for (qid, qt) in &t.questions {
                let Some(q) = s.question(qid) else {
                    return fail(
                        format!("{record} translation {lang}"),
                        format!("translates question {qid:?} which does not exist"),
                    );
                };
                if let Some(o) = qt
                    .options
                    .keys()
                    .find(|o| !q.options.iter().any(|x| &&x.id == o))
                {
                    return fail(
                        format!("{record} translation {lang}"),
                        format!("translates option {o:?} which question {qid} does not have"),
                    );
                }
            }
        }
    }

    check_unique(
        "result code",
        data.result_codes.iter().map(|r| r.id.as_str()),
    )?;
    let lit_drop_code = data
        .result_codes
        .iter()
        .any(|r| r.effect == ResultEffect::LitDrop && r.channel == super::Channel::Door);
    for r in &data.result_codes {
        if r.effect == ResultEffect::LitDrop && r.channel != super::Channel::Door {
            return fail(
                format!("result code {}", r.id),
                "a lit drop leaves literature at a door: make it a door result",
            );
        }
        if r.effect.is_review() || ResultEffect::parse(&r.id).is_some_and(ResultEffect::is_review) {
            return fail(
                format!("result code {}", r.id),
                "rollback and undo_rollback are reserved for organizers' review; choose another id and effect",
            );
        }
    }

    let volunteers = check_unique("volunteer", data.volunteers.iter().map(|v| v.id.as_str()))?;
    check_unique("assignment", data.assignments.iter().map(|a| a.id.as_str()))?;
    for a in &data.assignments {
        let record = format!("assignment {}", a.id);
        if a.mode == super::TurfMode::LitDrop {
            if a.kind != AssignmentKind::Turf {
                return fail(record, "only a turf can be a lit drop");
            }
            if !lit_drop_code {
                return fail(
                    record,
                    "is a lit drop, but the campaign has no door result code with effect lit_drop; add one (e.g. id lit_drop, label \"Literature dropped\")",
                );
            }
        }
        let (exists, wanted) = match a.kind {
            AssignmentKind::Turf => (turfs.contains(a.unit_id.as_str()), ScriptKind::Canvass),
            AssignmentKind::CallList => (lists.contains(a.unit_id.as_str()), ScriptKind::Phone),
        };
        if !exists {
            return fail(
                record,
                format!(
                    "refers to {} {} which is not in the data",
                    a.kind.as_str(),
                    a.unit_id
                ),
            );
        }
        match scripts.get(a.script_id.as_str()) {
            None => {
                return fail(
                    record,
                    format!("uses script {} which is not in the data", a.script_id),
                );
            }
            Some(k) if *k != wanted => {
                return fail(
                    record,
                    format!(
                        "a {} assignment needs a {wanted:?} script, but script {} is {k:?}",
                        a.kind.as_str(),
                        a.script_id
                    ),
                );
            }
            _ => {}
        }
        if !volunteers.is_empty() && !volunteers.contains(a.volunteer_id.as_str()) {
            return fail(
                record,
                format!("is for volunteer {} who is not in the data", a.volunteer_id),
            );
        }
    }

    check_unique("universe", data.universes.iter().map(|u| u.id.as_str()))?;
    let mut universes: HashMap<&str, HashSet<&str>> = HashMap::new();
    for u in &data.universes {
        let record = format!("universe {}", u.id);
        let mut doors = HashSet::new();
        for h in &u.household_ids {
            if !households.contains(h.as_str()) {
                return fail(
                    record,
                    format!("lists household {h} which is not in the data"),
                );
            }
            if !doors.insert(h.as_str()) {
                return fail(record, format!("lists household {h} twice"));
            }
        }
        universes.insert(u.id.as_str(), doors);
    }
    check_unique(
        "decision on new person of attempt",
        data.new_people.iter().map(|d| d.attempt_id.as_str()),
    )?;
    for d in &data.new_people {
        let record = format!("decision on the new person of attempt {}", d.attempt_id);
        match (d.outcome, &d.person_id) {
            (super::NewPersonOutcome::Rejected, None) => {}
            (super::NewPersonOutcome::Rejected, Some(_)) => {
                return fail(record, "a rejection names no person");
            }
            (_, None) => return fail(record, "names no person"),
            (_, Some(p)) if !people.contains(p.as_str()) => {
                return fail(record, format!("names person {p}, who is not in the data"));
            }
            _ => {}
        }
    }
    for t in &data.turfs {
        let Some(u) = &t.universe else { continue };
        let Some(doors) = universes.get(u.as_str()) else {
            return fail(
                format!("turf {}", t.id),
                format!("was checked out of universe {u}, which is not in the data"),
            );
        };
        if let Some(h) = t.household_ids.iter().find(|h| !doors.contains(h.as_str())) {
            return fail(
                format!("turf {}", t.id),
                format!("was checked out of universe {u}, but household {h} is not in it"),
            );
        }
    }
    Ok(())
}

/// The checks on one household alone (its street and coordinates), for
/// whole campaigns and for imports that write one household at a time.
pub fn check_household(h: &Household) -> Result<(), ReferenceError> {
    let record = format!("household {}", h.id);
    if h.id.trim().is_empty() {
        return fail(
            "household with an empty id",
            "every record needs a non-empty id",
        );
    }
    if h.street_name.trim().is_empty() {
        return fail(record, "the street name is empty");
    }
    match (h.lat, h.lon) {
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return fail(
                    record,
                    format!("coordinates ({lat}, {lon}) are out of range"),
                );
            }
        }
        (None, None) => {}
        _ => {
            return fail(
                record,
                "has only one of latitude and longitude; give both or neither",
            );
        }
    }
    Ok(())
}

/// The checks on one person alone (support score, birth year, phones in
/// E.164 form); that their household exists is the caller's to check.
pub fn check_person(p: &Person) -> Result<(), ReferenceError> {
    let record = format!("person {}", p.id);
    if p.id.trim().is_empty() {
        return fail(
            "person with an empty id",
            "every record needs a non-empty id",
        );
    }
    if let Some(s) = p.support_score
        && !(1..=5).contains(&s)
    {
        return fail(record, format!("support score {s} is outside 1..5"));
    }
    if let Some(y) = p.birth_year
        && !(1880..=2030).contains(&y)
    {
        return fail(record, format!("birth year {y} is not plausible"));
    }
    for phone in &p.phones {
        match normalize_phone(&phone.number) {
            Ok(n) if n == phone.number => {}
            Ok(n) => {
                return fail(
                    record,
                    format!(
                        "phone {:?} must be stored in E.164 form ({n})",
                        phone.number
                    ),
                );
            }
            Err(e) => return fail(record, e.to_string()),
        }
    }
    Ok(())
}
