//! Join and sync over HTTPS: the real server behind a TLS-terminating proxy
//! (as in production), with a certificate from a test CA made here. A
//! client that trusts the CA joins and syncs; one that does not is refused
//! before anything is sent.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{Role, SyncClient};
use walkbook_e2e::TestServer;

/// A TLS proxy on 127.0.0.1 in front of `upstream`; returns its https URL
/// and the CA's PEM.
async fn tls_proxy(upstream: &str) -> (String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let upstream = upstream.trim_start_matches("http://").to_string();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (url, ca.pem())
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
        SyncClient::new(&url, store)
            .unwrap()
            .trusting(b"not a certificate")
            .is_err()
    );
    server.stop().await;
}
