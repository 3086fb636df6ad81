//! Join and sync over HTTPS: the real server behind a TLS-terminating proxy
//! (as in production), with a certificate from a test CA made here. A
//! client that trusts the CA joins and syncs; one that does not is refused
//! before anything is sent.

use std::sync::Arc;

use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{Role, SyncClient, SyncError};
use walkbook_e2e::TestServer;

/// A TLS proxy on 127.0.0.1 in front of `upstream`; returns its https URL
/// and the CA's PEM.
async fn tls_proxy(upstream: &str) -> (String, String) {
    let proxy = walkbook_dev::tls::start(upstream).await.unwrap();
    (proxy.url, proxy.ca_pem)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_joins_and_syncs_over_https_with_a_test_ca() {
    let server = TestServer::start(150).await;
    let (url, ca) = tls_proxy(&server.url).await;
    let vol = server.volunteers()[0].clone();

    // Without the CA: refused at the handshake, nothing joined.
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(std::sync::Mutex::new(
        DeviceStore::open(dir.path().join("a.db"), None).unwrap(),
    ));
    let untrusting = SyncClient::new(&url, store.clone()).unwrap();
    let code = server.invite(&vol, Role::Volunteer);
    let err = untrusting.join(&code).await.unwrap_err().to_string();
    assert!(
        err.to_lowercase().contains("certificate") || err.contains("error sending request"),
        "{err}"
    );

    // Trusting it: join (the same code, still unused), record, sync.
    let client = SyncClient::new(&url, store.clone())
        .unwrap()
        .trusting(ca.as_bytes())
        .unwrap();
    client.join(&code).await.unwrap();
    let turf = {
        let s = store.lock().unwrap();
        s.assignments()
            .unwrap()
            .into_iter()
            .find(|a| a.assignment.kind == walkbook_core::model::AssignmentKind::Turf)
            .unwrap()
    };
    let saved = {
        let mut s = store.lock().unwrap();
        let door = s.next_door(&turf.assignment.unit_id, 0).unwrap().unwrap();
        s.record_attempt(
            &turf.assignment.id,
            walkbook_core::results::NewAttempt {
                household_id: Some(door.household.id),
                result: Some("not_home".into()),
                ..Default::default()
            },
        )
        .unwrap()
    };
    let summary = client.sync_now(|_| {}).await.unwrap();
    assert_eq!(summary.pending_upload, 0);
    assert!(server.server_attempt_ids().contains(&saved.id));

    // A PEM that is not a certificate is an error, not silently ignored.
    assert!(
        SyncClient::new(&url, store.clone())
            .unwrap()
            .trusting(b"not a certificate")
            .is_err()
    );
    server.stop().await;
}

/// How a phone keeps trusting a campaign's private CA: set once, kept in
/// the encrypted store, used by every later client (`for_joined`), the
/// same on every platform (bundled roots plus this CA, ADR 21).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_ca_is_kept_on_the_phone_and_plain_http_elsewhere_is_refused() {
    let server = TestServer::start(100).await;
    let (url, ca) = tls_proxy(&server.url).await;
    let vol = server.volunteers()[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(std::sync::Mutex::new(
        DeviceStore::open(dir.path().join("a.db"), None).unwrap(),
    ));
    // A bad CA changes nothing.
    let err =
        SyncClient::trust_campaign_ca(&store.lock().unwrap(), "-----BEGIN nonsense").unwrap_err();
    assert!(matches!(err, SyncError::Insecure(_)), "{err}");
    assert_eq!(store.lock().unwrap().meta("server_ca_pem").unwrap(), None);
    SyncClient::trust_campaign_ca(&store.lock().unwrap(), &ca).unwrap();
    let code = server.invite(&vol, Role::Volunteer);
    SyncClient::new(&url, store.clone())
        .unwrap()
        .join(&code)
        .await
        .unwrap();
    // A later client (as after the app restarts) still trusts it.
    let later = SyncClient::for_joined(store.clone()).unwrap();
    assert_eq!(later.sync_now(|_| {}).await.unwrap().pending_upload, 0);

    // Plain http:// to another machine never carries voter data; loopback
    // (a developer's own server) is allowed.
    for url in ["http://192.0.2.7:8080", "http://walkbook.example.org"] {
        let err = SyncClient::new(url, store.clone()).err().unwrap();
        assert!(matches!(err, SyncError::Insecure(_)), "{err}");
        assert!(err.to_string().contains("https://"), "{err}");
    }
    assert!(SyncClient::new(&server.url, store).is_ok());
    server.stop().await;
}
