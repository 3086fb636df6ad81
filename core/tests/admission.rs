//! The server's admission of device changes, without HTTP: real automerge
//! changes crafted the way a buggy or hostile client would make them, each
//! refused with the rule it breaks, and a property test that random
//! interleavings of valid and invalid changes from several devices leave
//! every server replica holding exactly the valid ones.

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, Change, ObjType, ROOT, ReadDoc, ScalarValue};
use proptest::prelude::*;
use walkbook_core::model::{
    AnswerOption, Channel, Question, QuestionKind, ResultEffect, Script, ScriptKind,
};
use walkbook_core::results::rules::{Author, UnitData};
use walkbook_core::results::{Admission, admit_changes, init_document, read_attempts};

const UNIT: &str = "turf:T1";
const NOW: i64 = 1_790_000_000_000;

fn unit() -> UnitData {
    let mut u = UnitData {
        label: "turf T1".into(),
        channel: Some(Channel::Door),
        ..Default::default()
    };
    for (p, h) in [("P1", "H1"), ("P2", "H1"), ("P3", "H2")] {
        u.people.insert(p.into(), h.into());
        u.households.insert(h.into());
    }
    u.result_effects
        .insert("not_home".into(), ResultEffect::Retry);
    u.result_effects
        .insert("refused".into(), ResultEffect::Refused);
    let script = Script {
        id: "canvass".into(),
        version: 1,
        kind: ScriptKind::Canvass,
        title: "Canvass".into(),
        intro: String::new(),
        questions: vec![
            Question {
                id: "support".into(),
                prompt: "Support?".into(),
                kind: QuestionKind::Choice,
                options: (1..=5)
                    .map(|i| AnswerOption {
                        id: i.to_string(),
                        label: i.to_string(),
                    })
                    .collect(),
                branches: vec![],
            },
            Question {
                id: "note".into(),
                prompt: "Anything else?".into(),
                kind: QuestionKind::Text,
                options: vec![],
                branches: vec![],
            },
        ],
        translations: Default::default(),
    };
    u.scripts.insert(("canvass".into(), 1), script);
    u
}

fn author(v: &str) -> Author {
    Author {
        volunteer_id: v.into(),
        device_id: format!("dev-{v}"),
        organizer: false,
    }
}

fn server_doc() -> Automerge {
    let mut d = Automerge::new();
    init_document(&mut d, UNIT).unwrap();
    d
}

/// A plain value of an attempt field, as a crafted change writes it.
#[derive(Clone)]
enum V {
    S(&'static str),
    Owned(String),
    I(i64),
}

fn fields(volunteer: &str, household: &str, result: &'static str) -> Vec<(&'static str, V)> {
    vec![
        ("household_id", V::Owned(household.into())),
        ("channel", V::S("door")),
        ("result", V::S(result)),
        (
            "effect",
            V::S(if result == "refused" {
                "refused"
            } else {
                "retry"
            }),
        ),
        ("notes", V::S("")),
        ("at_ms", V::I(NOW - 60_000)),
        ("volunteer_id", V::Owned(volunteer.into())),
        ("device_id", V::Owned(format!("dev-{volunteer}"))),
        ("script_id", V::S("canvass")),
        ("script_version", V::I(1)),
    ]
}

/// Adds one attempt as one change, the way the app does, with `fields`.
fn add_attempt(doc: &mut Automerge, id: &str, fields: &[(&'static str, V)]) -> Change {
    add_attempt_superseding(doc, id, fields, &[])
}

/// `add_attempt` with a `supersedes` list.
fn add_attempt_superseding(
    doc: &mut Automerge,
    id: &str,
    fields: &[(&'static str, V)],
    supersedes: &[&str],
) -> Change {
    let (_, attempts) = doc.get(ROOT, "attempts").unwrap().unwrap();
    let mut tx = doc.transaction();
    let obj = tx.put_object(&attempts, id, ObjType::Map).unwrap();
    tx.put_object(&obj, "responses", ObjType::Map).unwrap();
    tx.put_object(&obj, "text_answers", ObjType::Map).unwrap();
    let sup = tx.put_object(&obj, "supersedes", ObjType::List).unwrap();
    for (i, s) in supersedes.iter().enumerate() {
        tx.insert(&sup, i, *s).unwrap();
    }
    for (k, v) in fields {
        let value: ScalarValue = match v {
            V::S(s) => (*s).into(),
            V::Owned(s) => s.as_str().into(),
            V::I(i) => (*i).into(),
        };
        tx.put(&obj, *k, value).unwrap();
    }
    tx.commit();
    doc.get_last_local_change().unwrap().clone()
}

/// A device's replica: the server's document as of now, its own actor.
fn device_from(server: &Automerge, name: &str) -> Automerge {
    let mut d = Automerge::new().with_actor(ActorId::from(name.as_bytes()));
    d.apply_changes(server.get_changes(&[])).unwrap();
    d
}

/// Admits as the server's store does: a document that saw a refused change
/// is dropped, reloaded as stored, and the accepted changes re-applied.
fn admit(server: &mut Automerge, changes: Vec<Change>, who: &str) -> Admission {
    let stored = server.clone();
    let a = admit_changes(
        server,
        UNIT,
        changes,
        &unit(),
        &author(who),
        &BTreeSet::new(),
        NOW,
    );
    if a.tainted {
        *server = stored;
        server
            .apply_changes(a.accepted.iter().map(|(c, _)| c.clone()))
            .unwrap();
    }
    a
}

fn refused_rule(a: &Admission) -> String {
    a.refused
        .as_ref()
        .map(|r| r.violation.rule.clone())
        .unwrap_or_default()
}

#[test]
fn a_whole_valid_attempt_is_accepted() {
    let mut server = server_doc();
    let mut dev = device_from(&server, "a");
    let c = add_attempt(&mut dev, "a-1", &fields("vol-a", "H1", "not_home"));
    let a = admit(&mut server, vec![c], "vol-a");
    assert!(a.refused.is_none(), "{:?}", a.refused);
    assert_eq!(a.accepted.len(), 1);
    assert_eq!(read_attempts(&server).unwrap()[0].id, "a-1");
}

/// One honest attempt on the server and a hostile device that has it.
fn with_one_attempt() -> (Automerge, Automerge, String) {
    let mut server = server_doc();
    let mut honest = device_from(&server, "a");
    let c = add_attempt(&mut honest, "a-1", &fields("vol-a", "H1", "not_home"));
    assert!(admit(&mut server, vec![c], "vol-a").refused.is_none());
    let hostile = device_from(&server, "b");
    (server, hostile, "a-1".into())
}

fn attempt_obj(doc: &Automerge, id: &str) -> automerge::ObjId {
    let (_, attempts) = doc.get(ROOT, "attempts").unwrap().unwrap();
    doc.get(&attempts, id).unwrap().unwrap().1
}

#[test]
fn editing_someone_elses_attempt_is_refused_and_changes_nothing() {
    let (mut server, mut b, id) = with_one_attempt();
    let before = read_attempts(&server).unwrap();
    let obj = attempt_obj(&b, &id);
    let mut tx = b.transaction();
    tx.put(&obj, "volunteer_id", "vol-b").unwrap();
    tx.put(&obj, "result", "refused").unwrap();
    tx.commit();
    let c = b.get_last_local_change().unwrap().clone();
    let a = admit(&mut server, vec![c], "vol-b");
    assert_eq!(refused_rule(&a), "append_only");
    assert!(a.tainted || a.accepted.is_empty());
    assert_eq!(read_attempts(&server).unwrap(), before);
}

#[test]
fn deleting_an_attempt_or_the_attempts_map_is_refused() {
    let (mut server, mut b, id) = with_one_attempt();
    let (_, attempts) = b.get(ROOT, "attempts").unwrap().unwrap();
    let mut tx = b.transaction();
    tx.delete(&attempts, id.as_str()).unwrap();
    tx.commit();
    let c = b.get_last_local_change().unwrap().clone();
    assert_eq!(
        refused_rule(&admit(&mut server, vec![c], "vol-b")),
        "append_only"
    );

    let (mut server, mut b, _) = with_one_attempt();
    let mut tx = b.transaction();
    tx.delete(ROOT, "attempts").unwrap();
    tx.commit();
    let c = b.get_last_local_change().unwrap().clone();
    let a = admit(&mut server, vec![c], "vol-b");
    assert!(
        ["root_fixed", "append_only"].contains(&refused_rule(&a).as_str()),
        "{a:?}"
    );
    assert_eq!(read_attempts(&server).unwrap().len(), 1);
}

#[test]
fn a_text_where_a_number_belongs_is_refused() {
    let (mut server, mut b, _) = with_one_attempt();
    let mut f = fields("vol-b", "H2", "not_home");
    f.retain(|(k, _)| *k != "at_ms");
    f.push(("at_ms", V::S("yesterday")));
    let c = add_attempt(&mut b, "b-1", &f);
    assert_eq!(
        refused_rule(&admit(&mut server, vec![c], "vol-b")),
        "value_types"
    );
    assert_eq!(read_attempts(&server).unwrap().len(), 1);
}

#[test]
fn a_concurrent_value_at_an_existing_attempt_key_is_refused() {
    // Made without seeing the honest attempt: a conflict that could hide it.
    let mut server = server_doc();
    let mut hostile = device_from(&server, "zz");
    let mut honest = device_from(&server, "a");
    let c = add_attempt(&mut honest, "a-1", &fields("vol-a", "H1", "not_home"));
    assert!(admit(&mut server, vec![c], "vol-a").refused.is_none());
    let c = add_attempt(&mut hostile, "a-1", &fields("vol-b", "H1", "refused"));
    assert_eq!(
        refused_rule(&admit(&mut server, vec![c], "vol-b")),
        "append_only"
    );
    assert_eq!(read_attempts(&server).unwrap()[0].volunteer_id, "vol-a");
}

#[test]
fn a_root_made_by_a_client_is_refused_and_hides_nothing() {
    let (mut server, _, _) = with_one_attempt();
    let mut own = Automerge::new();
    let mut tx = own.transaction();
    tx.put(ROOT, "schema", 1).unwrap();
    tx.put(ROOT, "unit", UNIT).unwrap();
    tx.put_object(ROOT, "attempts", ObjType::Map).unwrap();
    tx.commit();
    let root = own.get_last_local_change().unwrap().clone();
    let attempt = add_attempt(&mut own, "b-1", &fields("vol-b", "H2", "not_home"));
    let a = admit(&mut server, vec![root, attempt], "vol-b");
    assert_eq!(refused_rule(&a), "root_fixed");
    let ids: Vec<String> = read_attempts(&server)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, ["a-1"]);
}

#[test]
fn forged_authors_foreign_doors_unknown_codes_and_fields_are_refused() {
    let cases: Vec<(&str, Vec<(&'static str, V)>)> = vec![
        ("author", fields("vol-a", "H2", "not_home")),
        ("household_on_unit", fields("vol-b", "H99", "not_home")),
        ("result_code", {
            let mut f = fields("vol-b", "H2", "not_home");
            f.retain(|(k, _)| *k != "result" && *k != "effect");
            f.push(("result", V::S("made_up")));
            f.push(("effect", V::S("do_not_contact")));
            f
        }),
        ("result_effect", {
            let mut f = fields("vol-b", "H2", "not_home");
            f.retain(|(k, _)| *k != "effect");
            f.push(("effect", V::S("do_not_contact")));
            f
        }),
        ("known_fields", {
            let mut f = fields("vol-b", "H2", "not_home");
            f.push(("favourite_color", V::S("blue")));
            f
        }),
        ("time", {
            let mut f = fields("vol-b", "H2", "not_home");
            f.retain(|(k, _)| *k != "at_ms");
            f.push(("at_ms", V::I(NOW + 3 * 24 * 3600 * 1000)));
            f
        }),
        ("author", {
            let mut f = fields("vol-b", "H2", "not_home");
            f.retain(|(k, _)| *k != "device_id");
            f.push(("device_id", V::S("dev-vol-a")));
            f
        }),
    ];
    for (rule, f) in cases {
        let (mut server, mut b, _) = with_one_attempt();
        let c = add_attempt(&mut b, "b-1", &f);
        let a = admit(&mut server, vec![c], "vol-b");
        assert_eq!(refused_rule(&a), rule, "{:?}", a.refused);
        let r = a.refused.unwrap();
        assert_eq!(r.violation.attempt_id, "b-1");
        assert!(!r.violation.message.is_empty());
        assert_eq!(read_attempts(&server).unwrap().len(), 1, "rule {rule}");
    }
}

/// The packed form of an attempt, as the app writes it (ADR 8).
fn packed(volunteer: &str, household: &str, result: &str) -> serde_json::Value {
    serde_json::json!({
        "household_id": household,
        "channel": "door",
        "result": result,
        "effect": if result == "refused" { "refused" } else { "retry" },
        "at_ms": NOW - 60_000,
        "volunteer_id": volunteer,
        "device_id": format!("dev-{volunteer}"),
        "script_id": "canvass",
        "script_version": 1,
    })
}

/// Adds one attempt as one change in the packed form: one text value.
fn add_packed(doc: &mut Automerge, id: &str, value: impl Into<ScalarValue>) -> Change {
    let (_, attempts) = doc.get(ROOT, "attempts").unwrap().unwrap();
    let mut tx = doc.transaction();
    tx.put(&attempts, id, value).unwrap();
    tx.commit();
    doc.get_last_local_change().unwrap().clone()
}

#[test]
fn packed_attempts_are_accepted_beside_attempts_written_as_maps() {
    let (mut server, mut b, _) = with_one_attempt();
    let c = add_packed(&mut b, "b-1", packed("vol-b", "H2", "refused").to_string());
    let a = admit(&mut server, vec![c], "vol-b");
    assert!(a.refused.is_none(), "{:?}", a.refused);
    let all = read_attempts(&server).unwrap();
    assert_eq!(all.len(), 2);
    let b1 = all.iter().find(|a| a.id == "b-1").unwrap();
    assert_eq!(
        (b1.volunteer_id.as_str(), b1.household_id.as_str()),
        ("vol-b", "H2")
    );
    assert_eq!(b1.effect, Some(ResultEffect::Refused));
    assert_eq!(a.accepted[0].1.as_ref(), Some(b1));
}

#[test]
fn overwriting_a_packed_attempt_is_refused_and_changes_nothing() {
    let (mut server, mut b, _) = with_one_attempt();
    let c = add_packed(&mut b, "b-1", packed("vol-b", "H2", "not_home").to_string());
    assert!(admit(&mut server, vec![c], "vol-b").refused.is_none());
    let before = read_attempts(&server).unwrap();
    // Another device rewrites it: same key, a value claiming a refusal.
    let mut hostile = device_from(&server, "c");
    let c = add_packed(
        &mut hostile,
        "b-1",
        packed("vol-b", "H2", "refused").to_string(),
    );
    let a = admit(&mut server, vec![c], "vol-c");
    assert_eq!(refused_rule(&a), "append_only");
    assert_eq!(a.refused.unwrap().violation.attempt_id, "b-1");
    assert_eq!(read_attempts(&server).unwrap(), before);
}

#[test]
fn malformed_packed_attempts_are_refused_with_what_is_wrong() {
    let mut at_as_text = packed("vol-b", "H2", "not_home");
    at_as_text["at_ms"] = "yesterday".into();
    let mut unknown = packed("vol-b", "H2", "not_home");
    unknown["favourite_color"] = "blue".into();
    let mut no_author = packed("vol-b", "H2", "not_home");
    no_author.as_object_mut().unwrap().remove("volunteer_id");
    let cases: Vec<(&str, ScalarValue, &str, &str)> = vec![
        (
            "not JSON",
            "{\"household_id\": ".into(),
            "value_types",
            "do not read",
        ),
        (
            "a number",
            ScalarValue::Int(7),
            "shape",
            "packed attempt text",
        ),
        (
            "at_ms as text",
            at_as_text.to_string().into(),
            "value_types",
            "at_ms",
        ),
        (
            "an unknown field",
            unknown.to_string().into(),
            "value_types",
            "favourite_color",
        ),
        (
            "no volunteer",
            no_author.to_string().into(),
            "value_types",
            "volunteer_id",
        ),
        (
            "another's name",
            packed("vol-a", "H2", "not_home").to_string().into(),
            "author",
            "",
        ),
        (
            "a foreign door",
            packed("vol-b", "H99", "not_home").to_string().into(),
            "household_on_unit",
            "",
        ),
    ];
    for (what, value, rule, says) in cases {
        let (mut server, mut b, _) = with_one_attempt();
        let c = add_packed(&mut b, "b-1", value);
        let a = admit(&mut server, vec![c], "vol-b");
        assert_eq!(refused_rule(&a), rule, "{what}: {:?}", a.refused);
        let r = a.refused.unwrap();
        assert_eq!(r.violation.attempt_id, "b-1", "{what}");
        assert!(
            r.violation.message.contains(says),
            "{what}: {}",
            r.violation.message
        );
        assert_eq!(read_attempts(&server).unwrap().len(), 1, "{what}");
    }
}

#[test]
fn a_volunteer_corrects_only_their_own_attempts() {
    let (mut server, mut b, id) = with_one_attempt();
    let c = add_attempt(&mut b, "b-1", &fields("vol-b", "H1", "not_home"));
    let mut f = fields("vol-b", "H1", "refused");
    f.retain(|(k, _)| *k != "household_id");
    f.push(("household_id", V::S("H1")));
    let c2 = add_attempt_superseding(&mut b, "b-2", &f, &[id.as_str()]);
    let a = admit(&mut server, vec![c, c2], "vol-b");
    assert_eq!(a.accepted.len(), 1, "b-1 is kept, b-2 refused");
    assert_eq!(refused_rule(&a), "supersedes_own");
}

/// Fields of an organizer's review action (`rollback` or `undo_rollback`)
/// recorded by `who` about person P1 of H1.
fn review_fields(who: &str, code: &'static str) -> Vec<(&'static str, V)> {
    let mut f = fields(who, "H1", "not_home");
    f.retain(|(k, _)| !matches!(*k, "result" | "effect" | "notes"));
    f.push(("result", V::S(code)));
    f.push(("effect", V::S(code)));
    f.push(("notes", V::S("doors seconds apart")));
    f.push(("person_id", V::S("P1")));
    f
}

#[test]
fn only_organizers_roll_back_and_undo_only_acts_on_rollbacks() {
    let mut server = server_doc();
    let mut a_dev = device_from(&server, "a");
    let mut f = fields("vol-a", "H1", "refused");
    f.push(("person_id", V::S("P1")));
    let c = add_attempt(&mut a_dev, "a-1", &f);
    assert!(admit(&mut server, vec![c], "vol-a").refused.is_none());

    // A volunteer may not roll back, not even their own result.
    let mut vol = device_from(&server, "a2");
    let c = add_attempt_superseding(
        &mut vol,
        "r-0",
        &review_fields("vol-a", "rollback"),
        &["a-1"],
    );
    let a = admit(&mut server, vec![c], "vol-a");
    assert_eq!(refused_rule(&a), "review_by_organizer");

    let organizer = Author {
        volunteer_id: "org".into(),
        device_id: "dev-org".into(),
        organizer: true,
    };
    let admit_org = |server: &mut Automerge, c: Change| {
        let stored = server.clone();
        let a = admit_changes(
            server,
            UNIT,
            vec![c],
            &unit(),
            &organizer,
            &BTreeSet::new(),
            NOW,
        );
        if a.tainted {
            *server = stored;
        }
        a
    };
    // A rollback must name what it rolls back.
    let mut org = device_from(&server, "o");
    let c = add_attempt(&mut org, "r-empty", &review_fields("org", "rollback"));
    assert_eq!(refused_rule(&admit_org(&mut server, c)), "review_target");
    // An undo acts on rollbacks, not on results.
    let mut org = device_from(&server, "o2");
    let c = add_attempt_superseding(
        &mut org,
        "u-0",
        &review_fields("org", "undo_rollback"),
        &["a-1"],
    );
    assert_eq!(
        refused_rule(&admit_org(&mut server, c)),
        "supersedes_review"
    );
    // The organizer's rollback is accepted.
    let mut org = device_from(&server, "o3");
    let c = add_attempt_superseding(&mut org, "r-1", &review_fields("org", "rollback"), &["a-1"]);
    let a = admit_org(&mut server, c);
    assert!(a.refused.is_none(), "{:?}", a.refused);
    // Nobody corrects a rollback away except with an undo: not the
    // volunteer, not an organizer's ordinary correction.
    let mut vol = device_from(&server, "a3");
    let mut f = fields("vol-a", "H1", "not_home");
    f.push(("person_id", V::S("P1")));
    let c = add_attempt_superseding(&mut vol, "a-2", &f, &["r-1"]);
    assert_eq!(
        refused_rule(&admit(&mut server, vec![c], "vol-a")),
        "supersedes_own"
    );
    let mut org = device_from(&server, "o4");
    let mut f = fields("org", "H1", "not_home");
    f.push(("person_id", V::S("P1")));
    let c = add_attempt_superseding(&mut org, "o-1", &f, &["r-1"]);
    assert_eq!(
        refused_rule(&admit_org(&mut server, c)),
        "supersedes_review"
    );
    // The undo is accepted, and a-1 counts again.
    let mut org = device_from(&server, "o5");
    let c = add_attempt_superseding(
        &mut org,
        "u-1",
        &review_fields("org", "undo_rollback"),
        &["r-1"],
    );
    assert!(admit_org(&mut server, c).refused.is_none());
    let stored = read_attempts(&server).unwrap();
    let live: Vec<&str> = walkbook_core::results::review::live(&stored)
        .into_iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(live, ["a-1"]);
}

// --- Interleavings -------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Kind {
    Valid,
    ForgedAuthor,
    ForeignDoor,
    EditOwnEarlier,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        6 => Just(Kind::Valid),
        1 => Just(Kind::ForgedAuthor),
        1 => Just(Kind::ForeignDoor),
        1 => Just(Kind::EditOwnEarlier),
    ]
}

/// Each device's chain of changes (each depends on the one before), and
/// the ids of the attempts that must end up on the server: the chain's
/// valid prefix, as nothing built on a refused change can be accepted.
fn chains(plan: &[Vec<Kind>]) -> (Vec<Vec<Change>>, BTreeSet<String>) {
    let genesis = server_doc();
    let mut out = Vec::new();
    let mut expected = BTreeSet::new();
    for (d, kinds) in plan.iter().enumerate() {
        let vol = format!("vol-{d}");
        let mut doc = device_from(&genesis, &format!("device{d}"));
        let mut chain = Vec::new();
        let mut ok = true;
        for (i, k) in kinds.iter().enumerate() {
            let id = format!("d{d}-{i}");
            let c = match k {
                Kind::Valid => add_attempt(&mut doc, &id, &fields(&vol, "H2", "not_home")),
                Kind::ForgedAuthor => {
                    add_attempt(&mut doc, &id, &fields("vol-x", "H2", "not_home"))
                }
                Kind::ForeignDoor => add_attempt(&mut doc, &id, &fields(&vol, "H9", "not_home")),
                Kind::EditOwnEarlier if i > 0 => {
                    let obj = attempt_obj(&doc, &format!("d{d}-0"));
                    let mut tx = doc.transaction();
                    tx.put(&obj, "notes", "rewritten").unwrap();
                    tx.commit();
                    doc.get_last_local_change().unwrap().clone()
                }
                Kind::EditOwnEarlier => {
                    add_attempt(&mut doc, &id, &fields("vol-x", "H2", "not_home"))
                }
            };
            ok &= matches!(k, Kind::Valid);
            if ok {
                expected.insert(id);
            }
            chain.push(c);
        }
        out.push(chain);
    }
    (out, expected)
}

/// Delivers the chains in batches, in the order `order` picks devices.
fn deliver(chains: &[Vec<Change>], order: &[usize], batch: usize) -> Automerge {
    let mut server = server_doc();
    let mut next = vec![0usize; chains.len()];
    // The interleaving first, then every device finishes, in turn.
    let finish = (0..chains.len()).flat_map(|d| std::iter::repeat_n(d, 8));
    let mut rounds = order
        .iter()
        .copied()
        .cycle()
        .take(order.len() * 4)
        .chain(finish);
    while next.iter().zip(chains).any(|(n, c)| *n < c.len()) {
        let Some(d) = rounds.next() else { break };
        let d = d % chains.len();
        let start = next[d];
        let end = (start + batch).min(chains[d].len());
        if start == end {
            continue;
        }
        // A device resends everything not yet confirmed (here: from the start).
        let sent: Vec<Change> = chains[d][..end].to_vec();
        admit(&mut server, sent, &format!("vol-{d}"));
        next[d] = end;
    }
    server
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_interleavings_keep_exactly_the_valid_attempts_on_every_replica(
        plan in proptest::collection::vec(proptest::collection::vec(kind(), 1..6), 2..4),
        order_a in proptest::collection::vec(0usize..4, 1..6),
        order_b in proptest::collection::vec(0usize..4, 1..6),
        batch in 1usize..4,
    ) {
        let (chains, expected) = chains(&plan);
        let a = deliver(&chains, &order_a, batch);
        let b = deliver(&chains, &order_b, batch);
        let ids = |d: &Automerge| -> BTreeSet<String> {
            read_attempts(d).unwrap().into_iter().map(|a| a.id).collect()
        };
        prop_assert_eq!(ids(&a), expected.clone());
        prop_assert_eq!(ids(&b), expected);
        let (mut ha, mut hb) = (a.get_heads(), b.get_heads());
        ha.sort();
        hb.sort();
        prop_assert_eq!(ha, hb, "both replicas hold the same history");
    }
}

// ---- The server store's upload path: judged out of the store, put back --

/// A device's sync message for `doc` carrying `changes`, decoded as the
/// server decodes it.
fn incoming(device: &Automerge, changes: Vec<Change>) -> walkbook_core::sync::step::Incoming {
    use automerge::sync::{State, SyncDoc};
    let summary = device
        .generate_sync_message(&mut State::new())
        .expect("a first message");
    walkbook_core::sync::step::Incoming { changes, summary }
}

fn server_store(dir: &tempfile::TempDir) -> walkbook_core::store::DeviceStore {
    let mut s =
        walkbook_core::store::DeviceStore::open(dir.path().join("server.db"), None).unwrap();
    s.ensure_document(UNIT).unwrap();
    s
}

#[test]
fn two_uploads_of_one_document_judged_side_by_side_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = server_store(&dir);
    let genesis = store.load_document(UNIT).unwrap();
    let mut a = device_from(&genesis, "a");
    let mut b = device_from(&genesis, "b");
    let ca = add_attempt(&mut a, "a-1", &fields("vol-a", "H1", "not_home"));
    let cb = add_attempt(&mut b, "b-1", &fields("vol-b", "H2", "refused"));
    // Both taken before either is put back: the second works on a copy
    // loaded from disk, which the first one's write then makes stale.
    let up_a = walkbook_core::sync::take_upload(
        &mut store,
        UNIT,
        incoming(&a, vec![ca.clone()]),
        &author("vol-a"),
    )
    .unwrap();
    let up_b = walkbook_core::sync::take_upload(
        &mut store,
        UNIT,
        incoming(&b, vec![cb.clone()]),
        &author("vol-b"),
    )
    .unwrap();
    let judged_a = up_a.judge(&unit(), &author("vol-a"), NOW);
    let judged_b = up_b.judge(&unit(), &author("vol-b"), NOW);
    let (ra, _) =
        walkbook_core::sync::put_back_upload(&mut store, judged_a, &unit(), &author("vol-a"), NOW)
            .unwrap();
    let (rb, _) =
        walkbook_core::sync::put_back_upload(&mut store, judged_b, &unit(), &author("vol-b"), NOW)
            .unwrap();
    assert_eq!((ra.new_attempts, ra.refused.is_none()), (1, true), "{ra:?}");
    assert_eq!((rb.new_attempts, rb.refused.is_none()), (1, true), "{rb:?}");
    // What the store serves from memory, what it stored, and its index
    // all hold both.
    let mut want: Vec<String> = [ca.hash(), cb.hash()]
        .iter()
        .map(|h| h.to_string())
        .collect();
    want.sort();
    let mut heads = store.heads_hex(UNIT).unwrap();
    heads.sort();
    assert_eq!(heads, want);
    let reopened =
        walkbook_core::store::DeviceStore::open(dir.path().join("server.db"), None).unwrap();
    let mut stored: Vec<String> = reopened
        .load_document(UNIT)
        .unwrap()
        .get_heads()
        .iter()
        .map(|h| h.to_string())
        .collect();
    stored.sort();
    assert_eq!(stored, want);
    let indexed: Vec<String> = reopened
        .attempts_of_docs(&[UNIT.to_string()])
        .unwrap()
        .into_iter()
        .flat_map(|(_, attempts)| attempts.into_iter().map(|a| a.id))
        .collect();
    assert_eq!(indexed, ["a-1", "b-1"]);
}

#[test]
fn an_actor_bound_to_another_device_while_judging_is_refused_at_put_back() {
    const OTHER: &str = "turf:T2";
    let dir = tempfile::tempdir().unwrap();
    let mut store = server_store(&dir);
    store.ensure_document(OTHER).unwrap();
    // A hostile device copies an honest device's actor and writes under it
    // on another document, in a request served at the same time.
    let honest_doc = device_from(&store.load_document(UNIT).unwrap(), "shared-actor");
    let hostile_doc = device_from(&store.load_document(OTHER).unwrap(), "shared-actor");
    let (mut honest, mut hostile) = (honest_doc, hostile_doc);
    let ch = add_attempt(&mut honest, "h-1", &fields("vol-a", "H1", "not_home"));
    let cx = add_attempt(&mut hostile, "x-1", &fields("vol-b", "H2", "not_home"));
    let up_h = walkbook_core::sync::take_upload(
        &mut store,
        UNIT,
        incoming(&honest, vec![ch]),
        &author("vol-a"),
    )
    .unwrap();
    let up_x = walkbook_core::sync::take_upload(
        &mut store,
        OTHER,
        incoming(&hostile, vec![cx]),
        &author("vol-b"),
    )
    .unwrap();
    // Neither actor was bound when they were taken: both pass admission.
    let judged_h = up_h.judge(&unit(), &author("vol-a"), NOW);
    let judged_x = up_x.judge(&unit(), &author("vol-b"), NOW);
    let (rh, _) =
        walkbook_core::sync::put_back_upload(&mut store, judged_h, &unit(), &author("vol-a"), NOW)
            .unwrap();
    assert_eq!(rh.new_attempts, 1, "{rh:?}");
    let (rx, _) =
        walkbook_core::sync::put_back_upload(&mut store, judged_x, &unit(), &author("vol-b"), NOW)
            .unwrap();
    assert_eq!(rx.new_changes, 0, "{rx:?}");
    assert_eq!(
        rx.refused.as_ref().map(|r| r.violation.rule.as_str()),
        Some("actor_owner"),
        "{rx:?}"
    );
    assert!(
        store
            .attempts_of_docs(&[OTHER.to_string()])
            .unwrap()
            .is_empty(),
        "nothing of the hostile upload is stored"
    );
}

/// Takes, judges and puts back one upload, as the server does.
fn upload(
    store: &mut walkbook_core::store::DeviceStore,
    doc_id: &str,
    data: &UnitData,
    device: &Automerge,
    change: Change,
    who: &str,
) -> walkbook_core::sync::DeviceReceipt {
    let up = walkbook_core::sync::take_upload(
        store,
        doc_id,
        incoming(device, vec![change]),
        &author(who),
    )
    .unwrap();
    let judged = up.judge(data, &author(who), NOW);
    walkbook_core::sync::put_back_upload(store, judged, data, &author(who), NOW)
        .unwrap()
        .0
}

#[test]
fn a_persons_final_status_from_anywhere_in_the_campaign_reaches_the_server_answer() {
    const OTHER: &str = "turf:T2";
    let dir = tempfile::tempdir().unwrap();
    let mut store = server_store(&dir);
    store.ensure_document(OTHER).unwrap();
    let mut data = unit();
    data.result_effects
        .insert("do_not_contact".into(), ResultEffect::DoNotContact);
    let on = |who: &str,
              result: &'static str,
              id: &str,
              doc_id: &str,
              store: &mut walkbook_core::store::DeviceStore| {
        let mut device = device_from(&store.load_document(doc_id).unwrap(), who);
        let mut f = fields(&format!("vol-{who}"), "H1", result);
        f.retain(|(k, _)| *k != "effect");
        f.push((
            "effect",
            V::S(if result == "refused" {
                "refused"
            } else {
                "do_not_contact"
            }),
        ));
        f.push(("person_id", V::S("P1")));
        let c = add_attempt(&mut device, id, &f);
        let r = upload(store, doc_id, &data, &device, c, &format!("vol-{who}"));
        assert_eq!(r.new_attempts, 1, "{r:?}");
    };
    // P1 refused on one turf and asked not to be contacted on another: the
    // stronger status is what every device hears, whatever the order.
    on("a", "refused", "a-1", UNIT, &mut store);
    on("b", "do_not_contact", "b-1", OTHER, &mut store);
    let people: std::collections::HashSet<String> = ["P1", "P2", "nobody"]
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        store.final_statuses_of(&people).unwrap(),
        [("P1".to_string(), "do_not_contact".to_string())]
    );
    let only_p2: std::collections::HashSet<String> = ["P2".to_string()].into();
    assert!(store.final_statuses_of(&only_p2).unwrap().is_empty());
}
