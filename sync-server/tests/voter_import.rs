//! A voter file streamed into the server's stores (embedded SQLite and a
//! real throwaway PostgreSQL cluster): the store ends up with exactly the
//! campaign the in-memory import builds from the same file, across many
//! batches; a dry run, a file that cannot be used and a store refusal
//! leave the campaign exactly as it was.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use walkbook_core::generate::{GenerateOptions, generate_campaign, write_voter_csv};
use walkbook_core::import::{
    Delimiter, ImportError, ImportOptions, ImportReport, import_into, import_voters,
};
use walkbook_core::model::{ReferenceData, validate_reference_data};
use walkbook_dev::postgres::TestCluster;
use walkbook_server::db::{PgServerDb, ServerDb, ServerStore};

fn campaign() -> ReferenceData {
    generate_campaign(&GenerateOptions {
        households: 60,
        seed: 11,
    })
}

/// A voter file of about 2,500 rows (more than one batch) that also holds
/// a voter twice (first and last row), a new voter at one of the
/// campaign's doors, and a voter of the campaign under a new name.
fn voter_file(base: &ReferenceData) -> Vec<u8> {
    let mut src = generate_campaign(&GenerateOptions {
        households: 1100,
        seed: 21,
    });
    for p in &mut src.people {
        p.id = format!("S{}", p.id);
    }
    let again = src.people[0].clone();
    let mut newcomer = src.people[1].clone();
    newcomer.id = "S-newcomer".into();
    newcomer.household_id = base.households[0].id.clone();
    let mut renamed = base.people[1].clone();
    renamed.last_name = "Okonkwo-Smith".into();
    let home = base
        .households
        .iter()
        .find(|h| h.id == renamed.household_id)
        .unwrap()
        .clone();
    src.households.push(base.households[0].clone());
    src.households.push(home);
    src.people.push(newcomer);
    src.people.push(renamed);
    src.people.push(again);
    let mut out = Vec::new();
    write_voter_csv(&src, &mut out).unwrap();
    out
}

/// Runs a streamed import of `file` through the store.
fn import_through(
    store: &dyn ServerStore,
    campaign_id: &str,
    file: &[u8],
    commit: bool,
) -> Result<ImportReport, ImportError> {
    store
        .import_people(campaign_id, commit, &mut |sink| {
            import_into(
                sink,
                file,
                &ImportOptions {
                    delimiter: Delimiter::Auto,
                    mapping: None,
                },
                &mut |_, _| {},
                &mut |_| {},
            )
        })
        .unwrap()
}

struct Homes {
    _tmp: tempfile::TempDir,
    _cluster: TestCluster,
    homes: Vec<(&'static str, Arc<dyn ServerStore>)>,
}

fn homes() -> Homes {
    let tmp = tempfile::tempdir().unwrap();
    let cluster = TestCluster::start().unwrap();
    let url = cluster.create_database("walkbook").unwrap();
    let homes: Vec<(&'static str, Arc<dyn ServerStore>)> = vec![
        (
            "sqlite",
            Arc::new(ServerDb::open(&tmp.path().join("server.db")).unwrap()),
        ),
        ("postgres", Arc::new(PgServerDb::connect(&url).unwrap())),
    ];
    Homes {
        _tmp: tmp,
        _cluster: cluster,
        homes,
    }
}

#[test]
fn a_streamed_import_stores_exactly_what_the_in_memory_import_builds() {
    let h = homes();
    for (home, store) in &h.homes {
        let base = campaign();
        let id = store.insert_campaign(&base).unwrap();
        let r0 = store.campaign_revision(&id).unwrap();
        let file = voter_file(&base);

        let mut expected = base.clone();
        let want = import_voters(&mut expected, file.as_slice(), Delimiter::Auto, |_| {}).unwrap();
        let got = import_through(store.as_ref(), &id, &file, true).unwrap();
        assert_eq!(got, want, "{home}: the same report");
        assert!(got.rows > 2_048, "{home}: more than one batch");
        // The duplicate is found across batches, the newcomer joins the
        // campaign's door, the renamed voter is updated in place.
        assert_eq!(got.rejected_count, 1, "{home}: {:?}", got.rejected);
        assert!(
            got.rejected[0]
                .reason
                .contains("appears again (first on line 2)")
        );
        assert_eq!(got.updated, 1, "{home}");
        let stored = store.campaign(&id).unwrap();
        assert_eq!(
            stored, expected,
            "{home}: the same campaign, in the same order"
        );
        validate_reference_data(&stored).unwrap();
        let newcomer = stored.people.iter().find(|p| p.id == "S-newcomer").unwrap();
        assert_eq!(newcomer.household_id, base.households[0].id, "{home}");
        let renamed = stored
            .people
            .iter()
            .find(|p| p.id == base.people[1].id)
            .unwrap();
        assert_eq!(renamed.last_name, "Okonkwo-Smith", "{home}");
        assert_eq!(store.campaign_revision(&id).unwrap(), r0 + 1, "{home}");

        // The same file again: every voter is an update, nothing is new.
        let again = import_through(store.as_ref(), &id, &file, true).unwrap();
        assert_eq!(again.imported, 0, "{home}");
        assert_eq!(again.updated, got.imported + got.updated, "{home}");
        assert_eq!(again.households_created, 0, "{home}");
        assert_eq!(store.campaign(&id).unwrap(), expected, "{home}");
    }
}

#[test]
fn a_dry_run_a_bad_file_and_a_refused_write_leave_the_campaign_as_it_was() {
    let h = homes();
    for (home, store) in &h.homes {
        let mut base = campaign();
        // A household whose id is the one the import would give the door
        // at 1 Collision Way: a new household there must be refused.
        let key = walkbook_core::import::household_key(&walkbook_core::model::Household {
            id: String::new(),
            house_number: 1,
            street_name: "Collision Way".into(),
            unit: None,
            city: "Springfield".into(),
            postal_code: "62701".into(),
            precinct: None,
            lat: None,
            lon: None,
        });
        let digest = hex::encode(Sha256::digest(key.as_bytes()));
        base.households[5].id = format!("H-{}", &digest[..16]);
        for p in &mut base.people {
            if p.household_id == campaign().households[5].id {
                p.household_id = base.households[5].id.clone();
            }
        }
        for t in &mut base.turfs {
            for hid in &mut t.household_ids {
                if *hid == campaign().households[5].id {
                    *hid = base.households[5].id.clone();
                }
            }
        }
        let id = store.insert_campaign(&base).unwrap();
        let before = store.campaign(&id).unwrap();
        let r0 = store.campaign_revision(&id).unwrap();
        let unchanged = |what: &str| {
            assert_eq!(store.campaign(&id).unwrap(), before, "{home}: {what}");
            assert_eq!(store.campaign_revision(&id).unwrap(), r0, "{home}: {what}");
        };

        let file = voter_file(&base);
        let dry = import_through(store.as_ref(), &id, &file, false).unwrap();
        assert!(dry.imported > 2_000, "{home}: the dry run reports the rows");
        unchanged("a dry run");

        let err =
            import_through(store.as_ref(), &id, b"Name,City\nAna,Springfield\n", true).unwrap_err();
        assert!(err.to_string().contains("voter id"), "{home}: {err}");
        unchanged("a file without an id column");

        // Good rows first (a whole batch is written), then the colliding
        // door: the refusal takes back everything.
        let mut colliding = file.clone();
        colliding.extend_from_slice(
            b"S-collide,Ana,Rivera,,en,,,,,,,1,Collision Way,,Springfield,62701,,,,,false\n",
        );
        let err = import_through(store.as_ref(), &id, &colliding, true).unwrap_err();
        assert!(
            err.to_string().contains("already used by another address"),
            "{home}: {err}"
        );
        unchanged("a refused household id");

        let err = store
            .import_people("no-such", true, &mut |_| {
                unreachable!("no campaign, no sink")
            })
            .unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{home}: {err}");
    }
}

#[test]
fn a_statewide_file_imports_through_admin_with_every_finding_streamed_out() {
    use walkbook_core::import::{FindingKind, LISTED};
    use walkbook_server::admin::{self, DataDir, Deployment, Home};

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("ncvoter.tsv");
    walkbook_dev::statewide::write_statewide_file(8_000, 3, std::fs::File::create(&file).unwrap())
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let placeholder_phones = text
        .lines()
        .skip(1)
        .filter(|l| l.split('\t').nth(21) == Some("N/A"))
        .count() as u64;
    assert!(
        placeholder_phones > LISTED as u64,
        "enough to overflow the listed warnings"
    );

    let home = Deployment::embedded(DataDir::open(tmp.path().join("data")).unwrap()).unwrap();
    let id = admin::create_campaign(&home, &walkbook_core::generate::empty_campaign()).unwrap();

    let mut seen = (0u64, 0u64);
    let r = admin::import_voter_file(
        &home,
        &id,
        &file,
        Delimiter::Auto,
        None,
        false,
        &walkbook_server::progress::NoProgress,
        &mut |kind, row| {
            assert!(row.line >= 2);
            match kind {
                FindingKind::Rejected => seen.0 += 1,
                FindingKind::Warning => seen.1 += 1,
            }
        },
    )
    .unwrap();
    assert!(
        r.profile.as_deref().unwrap().contains("North Carolina"),
        "{:?}",
        r.profile
    );
    assert_eq!((r.rows, r.imported, r.rejected_count), (8_000, 8_000, 0));
    // Each N/A phone is one warning; every one reached the caller, the
    // report lists the first LISTED.
    assert_eq!(r.warning_count, placeholder_phones);
    assert_eq!(seen, (0, placeholder_phones));
    assert_eq!(r.warnings.len(), LISTED);
    // Voters at one door share a household ("12  OAK ST" spelled with the
    // state's double space is one door).
    assert_eq!(r.households_created + r.merged_into_households, 8_000);
    assert!(r.households_created < 4_000, "{}", r.households_created);
    let stored = home.server_store().unwrap().campaign(&id).unwrap();
    assert_eq!(stored.people.len(), 8_000);
    assert_eq!(stored.households.len() as u64, r.households_created);
    validate_reference_data(&stored).unwrap();
    assert!(
        stored
            .people
            .iter()
            .flat_map(|p| &p.phones)
            .all(|ph| walkbook_core::generate::is_fictional_phone(&ph.number)),
        "only fictional 555-01xx numbers"
    );
}
