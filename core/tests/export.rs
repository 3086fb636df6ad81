//! The results export in voter-file bulk-upload shape.

mod common;

use common::{conversation, door_result};
use walkbook_core::export::export_results;
use walkbook_core::results::NewAttempt;

#[test]
fn the_export_has_one_row_per_person_and_answer_and_skips_corrections() {
    let mut d = common::device();
    d.store
        .record_attempt(
            "A-turf",
            conversation(
                "P1",
                &[
                    ("support", "2"),
                    ("volunteer", "yes"),
                    ("notes", "free text"),
                ],
                0,
            ),
        )
        .unwrap();
    let wrong = d
        .store
        .record_attempt("A-turf", door_result("P3", "moved", 1))
        .unwrap();
    d.store
        .correct_attempt("A-turf", &wrong.id, door_result("P3", "refused", 2))
        .unwrap();
    d.store
        .record_attempt(
            "A-turf",
            NewAttempt {
                household_id: Some("H4".into()),
                result: Some("not_home".into()),
                at_ms: Some(common::at(3)),
                ..Default::default()
            },
        )
        .unwrap();
    let mut out = Vec::new();
    let rows = export_results(&mut d.store, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "person_id,contact_type,result_code,question,answer,date,canvasser,attempt_id"
    );
    assert_eq!(rows, 4, "{text}");
    let body: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    // 2026-10-03 15:00 UTC is 10:00 in Chicago: same date.
    assert!(
        body.contains(&"P1,walk,,support,2,2026-10-03,vol-1".to_string()),
        "{text}"
    );
    assert!(
        body.contains(&"P1,walk,,volunteer,yes,2026-10-03,vol-1".to_string()),
        "{text}"
    );
    assert!(
        body.contains(&"P3,walk,refused,,,2026-10-03,vol-1".to_string()),
        "the correction replaces 'moved': {text}"
    );
    assert!(
        body.contains(&"P5,walk,not_home,,,2026-10-03,vol-1".to_string()),
        "nobody home is written per resident: {text}"
    );
    assert!(!text.contains("moved") && !text.contains("free text"));
}

#[test]
fn cells_a_spreadsheet_would_run_get_a_leading_quote() {
    use walkbook_core::export::csv_safe;
    for (cell, safe) in [
        (
            "=HYPERLINK(\"http://x\",\"y\")",
            "'=HYPERLINK(\"http://x\",\"y\")",
        ),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("P-0001", "P-0001"),
        ("a=b", "a=b"),
        ("", ""),
    ] {
        assert_eq!(csv_safe(cell), safe, "{cell:?}");
    }
}

#[test]
fn the_full_export_adds_notes_and_free_text_and_keeps_them_formula_safe() {
    use walkbook_core::export::{ExportShape, export_results_as};
    let mut d = common::device();
    let mut talk = conversation("P1", &[("support", "2"), ("notes", "=HYPERLINK(\"x\")")], 0);
    talk.notes = "@call back after 6, ask for Sam".into();
    d.store.record_attempt("A-turf", talk).unwrap();
    // Only a free-text answer: no row in the bulk upload, one in the full export.
    d.store
        .record_attempt(
            "A-turf",
            conversation("P2", &[("notes", "moving in May")], 1),
        )
        .unwrap();
    let mut out = Vec::new();
    let rows = export_results_as(&mut d.store, &mut out, ExportShape::Full).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[8..], ["notes", "text_answers"]);
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows, 2, "{text}");
    let p1 = records.iter().find(|r| r[0] == "P1").unwrap();
    assert_eq!(
        p1[8], "'@call back after 6, ask for Sam",
        "formula-safe notes"
    );
    assert_eq!(
        p1[9], "notes: =HYPERLINK(\"x\")",
        "text in the cell, after a label"
    );
    let p2 = records.iter().find(|r| r[0] == "P2").unwrap();
    assert_eq!((p2[2].as_str(), p2[3].as_str()), ("", ""));
    assert_eq!(p2[9], "notes: moving in May");
    // The bulk upload has no row for a free-text-only attempt.
    let mut bulk = Vec::new();
    let bulk_rows = export_results(&mut d.store, &mut bulk).unwrap();
    assert_eq!(bulk_rows, 1);
}

#[test]
fn the_osdi_export_holds_people_canvasses_and_answers() {
    let mut d = common::device();
    let talk = d
        .store
        .record_attempt(
            "A-turf",
            conversation("P1", &[("support", "2"), ("notes", "wants a yard sign")], 0),
        )
        .unwrap();
    let wrong = d
        .store
        .record_attempt("A-turf", door_result("P3", "moved", 1))
        .unwrap();
    d.store
        .correct_attempt("A-turf", &wrong.id, door_result("P3", "refused", 2))
        .unwrap();
    let mut out = Vec::new();
    let counts = walkbook_core::export::export_osdi(&mut d.store, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (counts.people, counts.canvasses),
        (2, 2),
        "the correction replaces"
    );
    let people = v["_embedded"]["osdi:people"].as_array().unwrap();
    let ids: Vec<&str> = people
        .iter()
        .map(|p| p["identifiers"][0].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["walkbook:P1", "walkbook:P3"]);
    assert!(
        people[0]["postal_addresses"][0]["address_lines"][0]
            .as_str()
            .unwrap()
            .contains("Elm St")
    );
    let canvasses = v["_embedded"]["osdi:canvasses"].as_array().unwrap();
    let p1 = canvasses
        .iter()
        .find(|c| c["target"] == "walkbook:P1")
        .unwrap();
    assert_eq!(p1["contact_type"], "in-person");
    assert_eq!(p1["success"], true);
    assert_eq!(
        p1["identifiers"][0],
        format!("walkbook:{}:P1", talk.id).as_str()
    );
    let answers = p1["_embedded"]["osdi:answers"].as_array().unwrap();
    assert!(answers.contains(&serde_json::json!({"question": "support", "responses": ["2"]})));
    assert!(
        answers.contains(&serde_json::json!({"question": "notes", "value": "wants a yard sign"}))
    );
    let p3 = canvasses
        .iter()
        .find(|c| c["target"] == "walkbook:P3")
        .unwrap();
    assert_eq!(
        (p3["status_code"].as_str(), p3["success"].as_bool()),
        (Some("refused"), Some(false))
    );
}
