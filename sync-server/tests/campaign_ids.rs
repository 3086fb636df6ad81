//! Campaign ids have one strict format, checked at create; ids that could
//! collide in a file name or URL are refused, and a refused create leaves
//! nothing behind.

use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_server::admin::{self, DataDir};
use walkbook_server::db::CampaignStore;

fn campaign(id: &str) -> walkbook_core::model::ReferenceData {
    let mut c = generate_campaign(&GenerateOptions {
        households: 60,
        seed: 3,
    });
    c.campaign.as_mut().unwrap().id = id.into();
    c
}

fn store_files(dir: &DataDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.root().join("campaigns"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".db"))
        .collect();
    names.sort();
    names
}

#[test]
fn colliding_or_malformed_campaign_ids_are_refused_and_leave_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::open(tmp.path().join("data")).unwrap();
    assert_eq!(
        admin::create_campaign(&dir, &campaign("coll-x")).unwrap(),
        "coll-x"
    );
    for bad in [
        "coll.x", "coll_x", "Coll-X", "-coll", "c", "coll x", "../coll",
    ] {
        let err = admin::create_campaign(&dir, &campaign(bad)).unwrap_err();
        assert!(
            err.to_string().contains("lowercase letters"),
            "{bad}: {err}"
        );
    }
    // The same id twice: refused, the first one intact.
    let err = admin::create_campaign(&dir, &campaign("coll-x")).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    // A stray store file is never adopted by a new campaign.
    std::fs::write(dir.campaign_store_path("orphan-1"), b"not a campaign").unwrap();
    let err = admin::create_campaign(&dir, &campaign("orphan-1")).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");

    let db = dir.server_db().unwrap();
    assert_eq!(db.campaign_ids().unwrap(), ["coll-x"]);
    assert_eq!(store_files(&dir), ["coll-x.db", "orphan-1.db"]);
    assert!(
        db.packet_version("coll-x", &campaign("coll-x").assignments[0].id)
            .unwrap()
            .is_some()
    );
}
