//! A small, realistic campaign shared by the integration tests: one street
//! with houses on both sides, an apartment building, a call list, a canvass
//! and a phone script, and the usual result codes. Fictional phone numbers only.
#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{NaiveTime, TimeZone, Utc};
use walkbook_core::model::*;

pub fn household(id: &str, number: u32, street: &str, unit: Option<&str>) -> Household {
    Household {
        id: id.into(),
        house_number: number,
        street_name: street.into(),
        unit: unit.map(Into::into),
        city: "Springfield".into(),
        postal_code: "62704".into(),
        precinct: Some("P-12".into()),
        lat: Some(39.78 + f64::from(number) * 0.0001),
        lon: Some(-89.65),
    }
}

pub fn person(
    id: &str,
    household: &str,
    first: &str,
    last: &str,
    phones: &[(&str, PhoneKind)],
) -> Person {
    Person {
        id: id.into(),
        household_id: household.into(),
        first_name: first.into(),
        last_name: last.into(),
        birth_year: Some(1970),
        language: "en".into(),
        phones: phones
            .iter()
            .map(|(n, k)| Phone {
                number: (*n).into(),
                kind: *k,
            })
            .collect(),
        party: None,
        support_score: None,
        attributes: BTreeMap::new(),
        do_not_contact: false,
    }
}

fn choice(id: &str, prompt: &str, options: &[&str]) -> Question {
    Question {
        id: id.into(),
        prompt: prompt.into(),
        kind: QuestionKind::Choice,
        options: options
            .iter()
            .map(|o| AnswerOption {
                id: (*o).into(),
                label: format!("label {o}"),
            })
            .collect(),
        branches: vec![],
    }
}

pub fn canvass_script(version: u32) -> Script {
    let mut volunteer = choice("volunteer", "Will you volunteer?", &["yes", "no", "maybe"]);
    volunteer.branches.push(Branch {
        when_answer: "no".into(),
        go_to: "notes".into(),
    });
    let mut translations = BTreeMap::new();
    translations.insert(
        "es".to_string(),
        ScriptTranslation {
            intro: Some("Hola, soy voluntario.".into()),
            questions: BTreeMap::from([(
                "support".to_string(),
                QuestionTranslation {
                    prompt: "¿Apoya a nuestra candidata?".into(),
                    options: BTreeMap::from([("1".to_string(), "Apoyo fuerte".to_string())]),
                },
            )]),
        },
    );
    Script {
        id: "canvass".into(),
        version,
        kind: ScriptKind::Canvass,
        title: "Door script".into(),
        intro: "Hi, I'm a volunteer.".into(),
        questions: vec![
            choice(
                "support",
                "Do you support our candidate?",
                &["1", "2", "3", "4", "5"],
            ),
            volunteer,
            choice(
                "vote_plan",
                "How will you vote?",
                &["early", "mail", "election_day"],
            ),
            Question {
                id: "notes".into(),
                prompt: "Notes".into(),
                kind: QuestionKind::Text,
                options: vec![],
                branches: vec![],
            },
        ],
        translations,
    }
}

pub fn phone_script() -> Script {
    Script {
        id: "phone".into(),
        version: 1,
        kind: ScriptKind::Phone,
        title: "Call script".into(),
        intro: "Hi, I'm calling for the campaign.".into(),
        questions: vec![choice(
            "support",
            "Do you support our candidate?",
            &["1", "2", "3", "4", "5"],
        )],
        translations: BTreeMap::new(),
    }
}

fn code(id: &str, channel: Channel, effect: ResultEffect, is_final: bool) -> ResultCode {
    ResultCode {
        id: id.into(),
        label: id.replace('_', " "),
        channel,
        effect,
        is_final,
    }
}

pub fn result_codes() -> Vec<ResultCode> {
    use Channel::*;
    use ResultEffect::*;
    vec![
        code("not_home", Door, Retry, false),
        code("refused", Door, Refused, true),
        code("moved", Door, Moved, true),
        code("come_back", Door, ComeBack, false),
        code("do_not_knock", Door, DoNotContact, true),
        code("no_answer", Phone, Retry, false),
        code("wrong_number", Phone, WrongNumber, true),
        code("call_back", Phone, ComeBack, false),
        code("do_not_call", Phone, DoNotContact, true),
    ]
}

/// Elm St: 101, 103, 105 on the odd side, 100, 102 on the even side, and a
/// building at 104 with units 1 and 2.
pub fn campaign() -> ReferenceData {
    use PhoneKind::*;
    let households = vec![
        household("H1", 101, "Elm St", None),
        household("H2", 103, "Elm St", None),
        household("H3", 105, "Elm St", None),
        household("H4", 104, "Elm St", Some("1")),
        household("H5", 104, "Elm St", Some("2")),
        household("H6", 102, "Elm St", None),
        household("H7", 100, "Elm St", None),
    ];
    let people = vec![
        person("P1", "H1", "Ana", "Reyes", &[("+13125550101", Mobile)]),
        person("P2", "H1", "Luis", "Reyes", &[("+13125550102", Landline)]),
        person(
            "P3",
            "H2",
            "Mai",
            "Nguyen",
            &[("+13125550103", Landline), ("+13125550104", Mobile)],
        ),
        person("P4", "H3", "Tom", "Kowalski", &[]),
        person("P5", "H4", "Sara", "Haddad", &[("+13125550105", Mobile)]),
        person("P6", "H5", "Wei", "Chen", &[("+13125550106", Mobile)]),
        person("P7", "H6", "Jo", "Smith", &[("+13125550107", Mobile)]),
        person("P8", "H7", "Kim", "Park", &[("+13125550108", Mobile)]),
    ];
    let expires = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    ReferenceData {
        campaign: Some(Campaign {
            id: "camp-1".into(),
            name: "Springfield for Schools".into(),
            time_zone: "America/Chicago".into(),
            calling_hours: CallingHours {
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
            },
            packet_fields: Default::default(),
        }),
        turfs: vec![Turf {
            id: "T1".into(),
            name: "Elm St".into(),
            household_ids: ["H1", "H2", "H3", "H4", "H5", "H6", "H7"]
                .map(String::from)
                .to_vec(),
            universe: None,
        }],
        call_lists: vec![CallList {
            id: "L1".into(),
            name: "Elm St callers".into(),
            person_ids: ["P1", "P2", "P3", "P4", "P5"].map(String::from).to_vec(),
        }],
        households,
        people,
        scripts: vec![canvass_script(1), phone_script()],
        result_codes: result_codes(),
        volunteers: vec![Volunteer {
            id: "vol-1".into(),
            display_name: "Robin".into(),
        }],
        assignments: vec![
            Assignment {
                id: "A-turf".into(),
                kind: AssignmentKind::Turf,
                unit_id: "T1".into(),
                script_id: "canvass".into(),
                volunteer_id: "vol-1".into(),
                expires_at: expires,
                mode: Default::default(),
            },
            Assignment {
                id: "A-calls".into(),
                kind: AssignmentKind::CallList,
                unit_id: "L1".into(),
                script_id: "phone".into(),
                volunteer_id: "vol-1".into(),
                expires_at: expires,
                mode: Default::default(),
            },
        ],
        universes: Vec::new(),
        new_people: Vec::new(),
    }
}

pub fn created() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 12, 0, 0).unwrap()
}

/// The encoded packet for one assignment of `data`.
pub fn packet(data: &ReferenceData, assignment: &str, version: u64) -> Vec<u8> {
    walkbook_core::packet::build_packet(data, assignment, version, created())
        .expect("fixture packet builds")
        .1
}

/// Every row of every table, as text, so a test can prove a store did not change.
pub fn dump(conn: &rusqlite::Connection) -> Vec<String> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let mut st = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                let mut cells = Vec::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    cells.push(format!("{v:?}"));
                }
                Ok(format!("{t}: {}", cells.join(" | ")))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.extend(rows);
    }
    out
}

/// A device with the fixture campaign's turf and call list installed.
pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: walkbook_core::store::DeviceStore,
}

pub fn device() -> Device {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        walkbook_core::store::DeviceStore::open(dir.path().join("campaign.db"), None).unwrap();
    let data = campaign();
    store.install_packet(&packet(&data, "A-turf", 1)).unwrap();
    store.install_packet(&packet(&data, "A-calls", 1)).unwrap();
    Device { dir, store }
}

/// 2026-10-03 10:00 UTC plus `minutes`, in epoch ms.
pub fn at(minutes: i64) -> i64 {
    Utc.with_ymd_and_hms(2026, 10, 3, 15, 0, 0)
        .unwrap()
        .timestamp_millis()
        + minutes * 60_000
}

pub fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn door_result(person: &str, code: &str, minutes: i64) -> walkbook_core::results::NewAttempt {
    walkbook_core::results::NewAttempt {
        person_id: Some(person.into()),
        result: Some(code.into()),
        at_ms: Some(at(minutes)),
        ..Default::default()
    }
}

pub fn conversation(
    person: &str,
    pairs: &[(&str, &str)],
    minutes: i64,
) -> walkbook_core::results::NewAttempt {
    walkbook_core::results::NewAttempt {
        person_id: Some(person.into()),
        answers: answers(pairs),
        at_ms: Some(at(minutes)),
        ..Default::default()
    }
}

/// Rows of the results index tables for one document, sorted.
pub fn index_rows(conn: &rusqlite::Connection, doc_id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "attempts",
        "person_status",
        "person_answers",
        "household_status",
    ] {
        let mut st = conn
            .prepare(&format!("SELECT * FROM {table} WHERE doc_id = ?1"))
            .unwrap();
        let n = st.column_count();
        let rows = st
            .query_map([doc_id], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect();
                Ok(format!("{table}: {}", cells.join(" | ")))
            })
            .unwrap();
        for r in rows {
            out.push(r.unwrap());
        }
    }
    out.sort();
    out
}

/// A person's status as the walk list of turf T1 shows it.
pub fn door_status(
    store: &walkbook_core::store::DeviceStore,
    person: &str,
) -> walkbook_core::results::Status {
    let doors = store.walk_list("T1").unwrap();
    doors
        .iter()
        .flat_map(|d| &d.people)
        .find(|p| p.person.id == person)
        .unwrap()
        .status
        .status
        .clone()
}
