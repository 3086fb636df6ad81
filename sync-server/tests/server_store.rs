//! The server's store layer, one contract for both homes: the embedded
//! SQLite `server.db` and PostgreSQL (a real throwaway cluster). "Two
//! processes" are two independently opened stores on the same database
//! (two SQLite connections pairs on one file; two PostgreSQL pools).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::model::ReferenceData;
use walkbook_core::sync::Role;
use walkbook_dev::postgres::TestCluster;
use walkbook_server::db::{
    CampaignStore, Device, InviteProblem, NewClaim, PgServerDb, ServerDb, ServerStore, ShiftReview,
};

fn campaign() -> ReferenceData {
    generate_campaign(&GenerateOptions {
        households: 60,
        seed: 11,
    })
}

/// Two stores on one fresh database, for each home.
struct Homes {
    _tmp: tempfile::TempDir,
    _cluster: TestCluster,
    sqlite: [Arc<dyn ServerStore>; 2],
    postgres: [Arc<dyn ServerStore>; 2],
}

fn homes() -> Homes {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("server.db");
    let cluster = TestCluster::start().unwrap();
    let url = cluster.create_database("walkbook").unwrap();
    let sqlite: [Arc<dyn ServerStore>; 2] = [
        Arc::new(ServerDb::open(&path).unwrap()),
        Arc::new(ServerDb::open(&path).unwrap()),
    ];
    let postgres: [Arc<dyn ServerStore>; 2] = [
        Arc::new(PgServerDb::connect(&url).unwrap()),
        Arc::new(PgServerDb::connect(&url).unwrap()),
    ];
    Homes {
        _tmp: tmp,
        _cluster: cluster,
        sqlite,
        postgres,
    }
}

fn each_home(test: impl Fn(&str, &[Arc<dyn ServerStore>; 2])) {
    let h = homes();
    test("sqlite", &h.sqlite);
    test("postgres", &h.postgres);
}

#[test]
fn reference_data_round_trips_and_updates_show_on_the_other_process() {
    each_home(|home, [a, b]| {
        let mut data = campaign();
        let id = a.insert_campaign(&data).unwrap();
        assert_eq!(b.campaign(&id).unwrap(), data, "{home}");
        assert!(b.campaign_ids().unwrap().contains(&id), "{home}");
        let err = b.insert_campaign(&data).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{home}: {err}");
        let r0 = b.campaign_revision(&id).unwrap();

        // Edits of every kind: a changed household, a person gone, a call
        // list reordered, a volunteer added.
        data.households[3].street_name = "Elm Street".into();
        let gone = data.people.remove(5).id;
        for l in &mut data.call_lists {
            l.person_ids.retain(|p| *p != gone);
            l.person_ids.reverse();
        }
        let mut v = data.volunteers[0].clone();
        v.id = "vol-added".into();
        data.volunteers.push(v);
        a.update_campaign(&data).unwrap();
        assert_eq!(b.campaign(&id).unwrap(), data, "{home}");
        assert_eq!(b.campaign_revision(&id).unwrap(), r0 + 1, "{home}");

        // Updating a campaign that does not exist is an error, not an insert.
        let mut other = data.clone();
        other.campaign.as_mut().unwrap().id = "no-such".into();
        let err = a.update_campaign(&other).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{home}: {err}");
        assert!(b.campaign("no-such").is_err(), "{home}");

        // Packets: put, replace, read from the other side.
        let aid = &data.assignments[0].id;
        a.put_packet(&id, aid, 1, "h1", b"one").unwrap();
        a.put_packet(&id, aid, 2, "h2", b"two").unwrap();
        assert_eq!(b.packet_version(&id, aid).unwrap(), Some((2, "h2".into())));
        assert_eq!(b.packet(&id, aid).unwrap(), Some((2, b"two".to_vec())));
        assert_eq!(b.packet(&id, "nope").unwrap(), None);
    });
}

#[test]
fn postgres_writes_only_the_rows_that_changed() {
    let cluster = TestCluster::start().unwrap();
    let url = cluster.create_database("rows").unwrap();
    let db = PgServerDb::connect(&url).unwrap();
    let mut data = campaign();
    let id = db.insert_campaign(&data).unwrap();
    let rows = |sql: &str| cluster.psql("rows", sql).unwrap();
    let total: usize = rows("SELECT count(*) FROM reference_rows").parse().unwrap();
    let expected = data.households.len()
        + data.people.len()
        + data.turfs.len()
        + data.call_lists.len()
        + data.scripts.len()
        + data.result_codes.len()
        + data.volunteers.len()
        + data.assignments.len();
    assert_eq!(total, expected, "one row per reference item, no blob");
    // A row rewritten gets a new transaction id (xmin): after one edit,
    // exactly one row has it.
    let before = rows("SELECT max(xmin::text::bigint) FROM reference_rows");
    data.people[7].first_name = "Renamed".into();
    db.update_campaign(&data).unwrap();
    let rewritten = rows(&format!(
        "SELECT kind || ' ' || key FROM reference_rows WHERE xmin::text::bigint > {before}"
    ));
    assert_eq!(rewritten, format!("person {}", data.people[7].id));
    assert_eq!(db.campaign(&id).unwrap(), data);
}

fn invite(store: &dyn ServerStore, campaign_id: &str, code: &str, volunteer: &str) {
    store
        .insert_invite(
            code,
            campaign_id,
            volunteer,
            Role::Organizer,
            Utc::now() + Duration::hours(1),
        )
        .unwrap();
}

#[test]
fn an_invite_is_used_once_whichever_process_redeems_it() {
    each_home(|home, [a, b]| {
        let data = campaign();
        let id = a.insert_campaign(&data).unwrap();
        let vol = data.volunteers[0].id.clone();
        invite(a.as_ref(), &id, "RACE-CODE-0001", &vol);
        let winners: Vec<_> = (0..8)
            .map(|i| {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                std::thread::spawn(move || {
                    store
                        .redeem_invite("RACE-CODE-0001", &format!("token-{i}"), None, Utc::now())
                        .unwrap()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        let ok: Vec<&Device> = winners.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(ok.len(), 1, "{home}: {winners:?}");
        assert!(
            winners
                .iter()
                .all(|r| r.is_ok() || r == &Err(InviteProblem::Used)),
            "{home}"
        );
        assert_eq!(b.devices(&id).unwrap().len(), 1, "{home}");

        // Unknown and expired codes say so.
        assert_eq!(
            a.redeem_invite("NOPE-NOPE-NOPE", "t", None, Utc::now())
                .unwrap(),
            Err(InviteProblem::Unknown)
        );
        a.insert_invite(
            "OLD0-CODE-0002",
            &id,
            &vol,
            Role::Volunteer,
            Utc::now() - Duration::minutes(1),
        )
        .unwrap();
        assert_eq!(
            b.redeem_invite("OLD0-CODE-0002", "t", None, Utc::now())
                .unwrap(),
            Err(InviteProblem::Expired)
        );
    });
}

#[test]
fn revocations_sessions_and_sign_in_links_take_effect_on_every_process_at_once() {
    each_home(|home, [a, b]| {
        let data = campaign();
        let id = a.insert_campaign(&data).unwrap();
        let vol = data.volunteers[0].id.clone();
        invite(a.as_ref(), &id, "SESS-CODE-0001", &vol);
        let device = a
            .redeem_invite("SESS-CODE-0001", "org-token", None, Utc::now())
            .unwrap()
            .unwrap();
        assert_eq!(
            b.device_for_token("org-token").unwrap(),
            Some(device.clone())
        );
        a.touch_device("org-token").unwrap();

        // A rejoining installation keeps its id; a stranger's id is not taken.
        invite(a.as_ref(), &id, "SESS-CODE-0002", &vol);
        let again = b
            .redeem_invite(
                "SESS-CODE-0002",
                "org-token-2",
                Some(&device.device_id),
                Utc::now(),
            )
            .unwrap()
            .unwrap();
        assert_eq!(again.device_id, device.device_id, "{home}");

        let idle = Duration::hours(2);
        let absolute = Duration::hours(12);
        let now = Utc::now();
        let (session, csrf) = a.create_session("org-token", now).unwrap();
        let (seen, seen_csrf) = b.session(&session, now, idle, absolute).unwrap().unwrap();
        assert_eq!(
            (seen.device_id.as_str(), seen_csrf.as_str()),
            (device.device_id.as_str(), csrf.as_str())
        );
        // Idle and absolute expiry.
        assert!(
            b.session(&session, now + Duration::hours(3), idle, absolute)
                .unwrap()
                .is_none(),
            "{home}"
        );
        let (session, _) = a.create_session("org-token", now).unwrap();
        b.delete_session(&session).unwrap();
        assert!(
            a.session(&session, now, idle, absolute).unwrap().is_none(),
            "{home}: signed out everywhere"
        );

        // A sign-in link opens one session, however often it is clicked,
        // through whichever process.
        let link = a
            .create_signin_link("org-token", now, Duration::minutes(15))
            .unwrap();
        let opened: Vec<_> = (0..6)
            .map(|i| {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                let link = link.clone();
                std::thread::spawn(move || store.redeem_signin_link(&link, Utc::now()).unwrap())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert_eq!(opened.iter().flatten().count(), 1, "{home}: {opened:?}");
        let (live, _) = opened.into_iter().flatten().next().unwrap();
        assert!(
            b.session(&live, Utc::now(), idle, absolute)
                .unwrap()
                .is_some()
        );
        let late = a
            .create_signin_link("org-token", now, Duration::minutes(15))
            .unwrap();
        assert!(
            b.redeem_signin_link(&late, now + Duration::minutes(16))
                .unwrap()
                .is_none(),
            "{home}: expired link"
        );

        // Revoked through one process: the other refuses the token and the
        // session on its next request.
        assert_eq!(
            a.revoke_device(&id, &device.device_id, "lost phone")
                .unwrap(),
            2
        );
        let d = b.device_for_token("org-token").unwrap().unwrap();
        assert_eq!(d.revoked.as_deref(), Some("lost phone"), "{home}");
        assert!(
            b.session(&live, Utc::now(), idle, absolute)
                .unwrap()
                .is_none(),
            "{home}"
        );
        assert_eq!(a.revoke_device(&id, &device.device_id, "again").unwrap(), 0);

        // Units a device was sent.
        a.record_device_unit(&device.device_id, "turf:t1").unwrap();
        a.record_device_unit(&device.device_id, "turf:t1").unwrap();
        assert!(b.device_held_unit(&device.device_id, "turf:t1").unwrap());
        assert!(!b.device_held_unit(&device.device_id, "turf:t2").unwrap());
    });
}

fn device(store: &dyn ServerStore, campaign_id: &str, volunteer: &str, n: usize) -> Device {
    let code = format!("CLM{n:01}-CODE-{n:04}");
    invite(store, campaign_id, &code, volunteer);
    store
        .redeem_invite(&code, &format!("claim-token-{n}"), None, Utc::now())
        .unwrap()
        .unwrap()
}

#[test]
fn claims_on_several_processes_never_give_one_contact_to_two_devices() {
    each_home(|home, stores| {
        let data = campaign();
        let id = stores[0].insert_campaign(&data).unwrap();
        let list = data.call_lists[0].clone();
        assert!(list.person_ids.len() >= 20, "a list worth racing for");
        let vol = data.volunteers[0].id.clone();
        let devices: Vec<Device> = (0..6)
            .map(|n| device(stores[n % 2].as_ref(), &id, &vol, n))
            .collect();

        // Six devices on two processes claim batches of 3 until the list
        // runs dry.
        let claimed: Vec<Vec<String>> = devices
            .iter()
            .enumerate()
            .map(|(n, d)| {
                let store = stores[n % 2].clone();
                let (id, list, d) = (id.clone(), list.clone(), d.clone());
                std::thread::spawn(move || {
                    let mut mine = Vec::new();
                    let excluded = HashSet::new();
                    for _ in 0..100 {
                        let c = store
                            .claim(&NewClaim {
                                campaign_id: &id,
                                list_id: &list.id,
                                candidates: &list.person_ids,
                                excluded: &excluded,
                                size: 3,
                                device: &d,
                                now: Utc::now(),
                                lease: Duration::hours(2),
                            })
                            .unwrap();
                        if c.person_ids.is_empty() {
                            break;
                        }
                        mine.extend(c.person_ids);
                    }
                    mine
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        let all: Vec<&String> = claimed.iter().flatten().collect();
        let distinct: HashSet<&String> = all.iter().copied().collect();
        assert_eq!(
            all.len(),
            distinct.len(),
            "{home}: a contact went to two devices"
        );
        let listed: HashSet<&String> = list.person_ids.iter().collect();
        assert_eq!(distinct, listed, "{home}: every contact was handed out");

        // Released contacts go back to the pool, in list order; a
        // stranger cannot release someone else's claim.
        let store = &stores[0];
        let excluded = HashSet::new();
        let claim_of = |d: &Device, size: usize, now| {
            store
                .claim(&NewClaim {
                    campaign_id: &id,
                    list_id: &list.id,
                    candidates: &list.person_ids,
                    excluded: &excluded,
                    size,
                    device: d,
                    now,
                    lease: Duration::hours(2),
                })
                .unwrap()
        };
        let now = Utc::now();
        assert!(
            claim_of(&devices[0], 5, now).person_ids.is_empty(),
            "{home}: nothing left"
        );
        // Expired claims free their contacts: three hours later, all of them.
        let later = now + Duration::hours(3);
        let big = claim_of(&devices[1], 1000, later);
        assert_eq!(big.person_ids, list.person_ids, "{home}: list order");
        assert_eq!(
            stores[1]
                .release_claim(&big.claim_id, &devices[2], later)
                .unwrap(),
            0,
            "{home}"
        );
        assert_eq!(
            stores[1]
                .release_claim(&big.claim_id, &devices[1], later)
                .unwrap(),
            list.person_ids.len(),
            "{home}"
        );
        // Excluded people (final results, do-not-contact) are never handed out.
        let excluded: HashSet<String> = list.person_ids[..4].iter().cloned().collect();
        let c = stores[1]
            .claim(&NewClaim {
                campaign_id: &id,
                list_id: &list.id,
                candidates: &list.person_ids,
                excluded: &excluded,
                size: 2,
                device: &devices[3],
                now: later,
                lease: Duration::hours(2),
            })
            .unwrap();
        assert_eq!(c.person_ids, list.person_ids[4..6], "{home}");
    });
}

#[test]
fn postgres_migrates_once_when_processes_start_together_and_refuses_a_newer_schema() {
    let cluster = TestCluster::start().unwrap();
    let url = cluster.create_database("migrate").unwrap();
    let started: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || PgServerDb::connect(&url).map(|db| db.schema_version()))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    assert_eq!(PgServerDb::SCHEMA_VERSION, 4);
    for s in started {
        assert_eq!(s.unwrap().unwrap(), PgServerDb::SCHEMA_VERSION);
    }
    // Each version applied once, whichever process got there first.
    assert_eq!(
        cluster
            .psql("migrate", "SELECT count(*) FROM walkbook_migrations")
            .unwrap(),
        PgServerDb::SCHEMA_VERSION.to_string()
    );
    cluster
        .psql("migrate", "INSERT INTO walkbook_migrations VALUES (99, 0)")
        .unwrap();
    let err = PgServerDb::connect(&url).err().expect("refused");
    assert!(err.to_string().contains("newer"), "{err}");
    // Without sslmode=require or a CA, plain TCP (this cluster has no TLS).
    cluster
        .psql(
            "migrate",
            "DELETE FROM walkbook_migrations WHERE version = 99",
        )
        .unwrap();
    assert!(!PgServerDb::connect(&url).unwrap().uses_tls().unwrap());

    // A URL that is not one, and a server that is not there, say so.
    let err = PgServerDb::connect("mysql://nope").err().expect("refused");
    assert!(err.to_string().contains("postgres://"), "{err}");
    // Port 1 on loopback: nothing listens there.
    let down = "postgres://postgres@127.0.0.1:1/migrate";
    let err = PgServerDb::connect(down).err().expect("refused");
    assert!(err.to_string().contains("could not connect"), "{err}");
}

#[test]
fn sqlite_writes_only_the_rows_that_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("server.db");
    let db = ServerDb::open(&path).unwrap();
    let mut data = campaign();
    let id = db.insert_campaign(&data).unwrap();
    // Every row write is recorded, whichever connection makes it.
    let watch = rusqlite::Connection::open(&path).unwrap();
    watch
        .execute_batch(
            "CREATE TABLE writes (kind TEXT, key TEXT);
             CREATE TRIGGER rows_inserted AFTER INSERT ON reference_rows
                 BEGIN INSERT INTO writes VALUES (new.kind, new.key); END;
             CREATE TRIGGER rows_updated AFTER UPDATE ON reference_rows
                 BEGIN INSERT INTO writes VALUES (new.kind, new.key); END;
             CREATE TRIGGER rows_deleted AFTER DELETE ON reference_rows
                 BEGIN INSERT INTO writes VALUES (old.kind, 'deleted ' || old.key); END;",
        )
        .unwrap();
    data.people[7].first_name = "Renamed".into();
    let gone = data.volunteers.pop().unwrap().id;
    db.update_campaign(&data).unwrap();
    let mut writes: Vec<String> = watch
        .prepare("SELECT kind || ' ' || key FROM writes ORDER BY 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    writes.sort();
    assert_eq!(
        writes,
        [
            format!("person {}", data.people[7].id),
            format!("volunteer deleted {gone}")
        ]
    );
    assert_eq!(db.campaign(&id).unwrap(), data);
}

#[test]
fn an_embedded_store_from_before_reference_rows_is_taken_apart_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("server.db");
    // server.db as version 6 wrote it: the campaign as one JSON blob.
    let v6: Vec<&str> = vec![
        include_str!("../src/db/schema_v1.sql"),
        include_str!("../src/db/schema_v2.sql"),
        include_str!("../src/db/schema_v3.sql"),
        include_str!("../src/db/schema_v4.sql"),
        include_str!("../src/db/schema_v5.sql"),
        include_str!("../src/db/schema_v6.sql"),
    ];
    let data = campaign();
    let id = data.campaign.as_ref().unwrap().id.clone();
    {
        let conn = walkbook_core::store::open_database_with(&path, None, &v6).unwrap();
        conn.execute(
            "INSERT INTO campaigns (id, name, data, created_at_ms, revision) VALUES (?1, 'Old', ?2, 0, 4)",
            rusqlite::params![id, serde_json::to_string(&data).unwrap()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO invites (code_hash, campaign_id, volunteer_id, role, expires_at_ms, created_at_ms)
             VALUES ('h', ?1, 'v', 'volunteer', 0, 0)",
            [&id],
        )
        .unwrap();
    }
    let db = ServerDb::open(&path).unwrap();
    assert_eq!(db.campaign(&id).unwrap(), data);
    assert_eq!(db.campaign_revision(&id).unwrap(), 4);
    let mut edited = data.clone();
    edited.people[0].last_name = "Edited".into();
    db.update_campaign(&edited).unwrap();
    assert_eq!(db.campaign(&id).unwrap(), edited);
    assert_eq!(db.campaign_revision(&id).unwrap(), 5);
}

#[test]
fn reference_data_that_breaks_the_model_is_refused_and_nothing_is_stored() {
    each_home(|home, [a, b]| {
        let good = campaign();
        let id = a.insert_campaign(&good).unwrap();
        // Two people with one id, a household that does not exist, no
        // settings: refused with a reason, on insert and on update.
        let mut twins = campaign();
        twins.campaign.as_mut().unwrap().id = "twins-1".into();
        twins.people[1].id = twins.people[0].id.clone();
        let mut orphan = campaign();
        orphan.campaign.as_mut().unwrap().id = "orphan-1".into();
        orphan.people[0].household_id = "no-such-household".into();
        let mut bare = campaign();
        bare.campaign = None;
        let twin_id = twins.people[0].id.clone();
        for (bad, says) in [
            (&twins, twin_id.as_str()),
            (&orphan, "no-such-household"),
            (&bare, "no campaign settings"),
        ] {
            let err = a.insert_campaign(bad).unwrap_err();
            assert!(err.to_string().contains(says), "{home}: {err}");
        }
        assert_eq!(
            b.campaign_ids().unwrap(),
            std::slice::from_ref(&id),
            "{home}: nothing stored"
        );
        let mut edited = good.clone();
        edited.people[1].id = edited.people[0].id.clone();
        let err = a.update_campaign(&edited).unwrap_err();
        assert!(
            err.to_string().contains(&edited.people[0].id),
            "{home}: {err}"
        );
        assert_eq!(b.campaign(&id).unwrap(), good, "{home}: unchanged");
        assert_eq!(b.campaign_revision(&id).unwrap(), 0, "{home}");
    });
}

#[test]
fn postgres_over_tls_verifies_the_server_and_plain_connections_are_refused() {
    let cluster = TestCluster::start_with_tls().unwrap();
    let url = cluster.create_database("tls").unwrap();
    let ca = cluster.ca_pem();
    // With the database's CA: TLS, the certificate and its name checked.
    let db = PgServerDb::connect_with(&url, Some(&ca)).unwrap();
    assert_eq!(db.schema_version().unwrap(), PgServerDb::SCHEMA_VERSION);
    assert!(
        db.uses_tls().unwrap(),
        "the server sees an encrypted connection"
    );
    // sslmode=require in the URL without a CA: the system's roots do not
    // know this CA, so the connection is refused, not silently trusted.
    let err = PgServerDb::connect_with(&format!("{url}?sslmode=require"), None)
        .err()
        .expect("an unknown issuer is refused");
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    // Plain TCP is rejected by this server (hostnossl … reject).
    let err = PgServerDb::connect(&url)
        .err()
        .expect("plain TCP is refused");
    assert!(err.to_string().contains("could not connect"), "{err}");
    // A CA file that is not one says so.
    let junk = std::env::temp_dir().join(format!("walkbook-not-a-ca-{}", std::process::id()));
    std::fs::write(&junk, "not a certificate").unwrap();
    let err = PgServerDb::connect_with(&url, Some(&junk))
        .err()
        .expect("refused");
    std::fs::remove_file(&junk).unwrap();
    assert!(err.to_string().contains("not readable as PEM"), "{err}");
}

#[test]
fn an_accepted_shift_shows_on_the_other_process_and_a_second_acceptance_replaces_it() {
    each_home(|home, [a, b]| {
        let id = a.insert_campaign(&campaign()).unwrap();
        let review = |by: &str, at_ms: i64, note: &str| ShiftReview {
            campaign_id: id.clone(),
            volunteer_id: "vol-01".into(),
            day: "2026-10-17".into(),
            accepted_by: by.into(),
            at_ms,
            note: note.into(),
        };
        assert!(b.shift_reviews(&id).unwrap().is_empty(), "{home}");
        a.accept_shift(&review("org-1", 1, "fine")).unwrap();
        assert_eq!(
            b.shift_reviews(&id).unwrap(),
            [review("org-1", 1, "fine")],
            "{home}"
        );
        b.accept_shift(&review("org-2", 2, "")).unwrap();
        assert_eq!(
            a.shift_reviews(&id).unwrap(),
            [review("org-2", 2, "")],
            "{home}"
        );
        // Another campaign sees none of it.
        let mut other = campaign();
        other.campaign.as_mut().unwrap().id = "other-1".into();
        let other = a.insert_campaign(&other).unwrap();
        assert!(b.shift_reviews(&other).unwrap().is_empty(), "{home}");
    });
}

#[test]
fn a_burst_of_requests_on_postgres_shares_a_bounded_set_of_connections() {
    use walkbook_server::db::PG_MAX_CONNECTIONS;
    let cluster = TestCluster::start().unwrap();
    let url = cluster.create_database("pool").unwrap();
    let db = Arc::new(PgServerDb::connect(&url).unwrap());
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Three times as many callers as connections, all at once, for a while.
    let callers: Vec<_> = (0..3 * PG_MAX_CONNECTIONS)
        .map(|_| {
            let db = db.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                let mut calls = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    assert_eq!(db.schema_version().unwrap(), PgServerDb::SCHEMA_VERSION);
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let mut most = 0;
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_millis(1500) {
        // Not psql's sessions: this one, and the last one's backend, which
        // may still be ending while the next psql asks.
        let open: usize = cluster
            .psql(
                "pool",
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = 'pool' AND application_name IS DISTINCT FROM 'psql'",
            )
            .unwrap()
            .parse()
            .unwrap();
        most = most.max(open);
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in callers {
        assert!(c.join().unwrap() > 0, "every caller got a connection");
    }
    assert!(
        most <= PG_MAX_CONNECTIONS,
        "{most} connections open at once, more than {PG_MAX_CONNECTIONS}"
    );
    assert!(
        most > 1,
        "the callers ran side by side ({most} connections)"
    );
}
