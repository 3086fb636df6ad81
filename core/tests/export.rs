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
