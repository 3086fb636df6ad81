//! Sync under faults and bad input: duplicated, reordered and cut messages,
//! lost sync state, and every kind of bad request answered with the right 4xx.

use std::collections::BTreeSet;

use base64::Engine;
use walkbook_core::sync::{Role, SyncRequest, SyncResponse};
use walkbook_dev::faults::{Fault, FlakyProxy};
use walkbook_e2e::{TestDevice, TestServer};
use walkbook_server::db::AccessStore;

fn doc_of(d: &TestDevice) -> String {
    d.store().assignments().unwrap()[0].assignment.unit_doc_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_and_reordered_messages_change_nothing_twice() {
    let server = TestServer::start(200).await;
    let d = TestDevice::new(&server.url);
    let joined = d
        .client
        .join(&server.invite(&server.volunteers()[0], Role::Volunteer))
        .await
        .unwrap();
    let mut ids: BTreeSet<String> = d.canvass(5).into_iter().collect();
    let doc = doc_of(&d);

    let first = {
        let m = d.store().generate_sync_message(&doc, "server").unwrap();
        SyncRequest {
            docs: vec![walkbook_core::sync::DocMessage {
                doc_id: doc.clone(),
                message: m,
            }],
        }
    };
    let reply: SyncResponse = server
        .post_sync(&joined.token, &first)
        .await
        .json()
        .await
        .unwrap();
    // The same request again: a duplicate.
    assert!(
        server
            .post_sync(&joined.token, &first)
            .await
            .status()
            .is_success()
    );
    ids.extend(d.canvass(8));
    let second = {
        let mut s = d.store();
        for r in &reply.docs {
            if let Some(m) = &r.message {
                s.receive_sync_message(&r.doc_id, "server", m).unwrap();
            }
        }
        let m = s.generate_sync_message(&doc, "server").unwrap();
        SyncRequest {
            docs: vec![walkbook_core::sync::DocMessage {
                doc_id: doc.clone(),
                message: m,
            }],
        }
    };
    assert!(
        server
            .post_sync(&joined.token, &second)
            .await
            .status()
            .is_success()
    );
    // The old request once more, after the newer one: reordered.
    assert!(
        server
            .post_sync(&joined.token, &first)
            .await
            .status()
            .is_success()
    );

    d.client.sync_now(|_| {}).await.unwrap();
    let on_server = server.server_attempt_ids();
    assert_eq!(on_server.len(), ids.len(), "nothing doubled");
    assert_eq!(on_server.into_iter().collect::<BTreeSet<_>>(), ids);
    assert_eq!(d.store().pending_upload_count().unwrap(), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_body_is_retried() {
    let server = TestServer::start(200).await;
    let upstream: std::net::SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    let d = server.device(&server.volunteers()[0]).await;
    let ids: BTreeSet<String> = d.canvass(10).into_iter().collect();
    let proxy = FlakyProxy::start(
        upstream,
        vec![
            Fault::Pass,
            Fault::CutRequest,
            Fault::Pass,
            Fault::CutRequest,
        ],
    )
    .await
    .unwrap();
    let flaky = walkbook_core::sync::SyncClient::new(&proxy.url, d.store.clone())
        .unwrap()
        .without_connection_reuse()
        .unwrap();
    flaky.sync_now(|_| {}).await.unwrap();
    assert_eq!(proxy.remaining(), 0);
    assert_eq!(
        server
            .server_attempt_ids()
            .into_iter()
            .collect::<BTreeSet<_>>(),
        ids
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_client_sync_state_recovers_in_a_few_round_trips() {
    let server = TestServer::start(200).await;
    let d = server.device(&server.volunteers()[0]).await;
    let mut ids: BTreeSet<String> = d.canvass(10).into_iter().collect();
    d.client.sync_now(|_| {}).await.unwrap();

    // The sync state is gone (say, restored from an old backup of that table).
    let db = d.tmp.path().join("campaign.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM sync_states", [])
        .unwrap();
    let again = d.reopen();
    {
        let mut s = again.store();
        let a = s
            .assignments()
            .unwrap()
            .into_iter()
            .map(|a| a.assignment)
            .find(|a| a.kind == walkbook_core::model::AssignmentKind::Turf)
            .unwrap();
        let doors = s.walk_list(&a.unit_id).unwrap();
        let p = doors.last().unwrap().people[0].person.id.clone();
        let attempt = walkbook_core::results::NewAttempt {
            person_id: Some(p),
            result: Some("refused".into()),
            ..Default::default()
        };
        ids.insert(s.record_attempt(&a.id, attempt).unwrap().id);
    }
    let summary = again.client.sync_now(|_| {}).await.unwrap();
    assert!(
        summary.rounds <= 6,
        "recovered in {} rounds",
        summary.rounds
    );
    assert_eq!(summary.pending_upload, 0);
    assert_eq!(
        server
            .server_attempt_ids()
            .into_iter()
            .collect::<BTreeSet<_>>(),
        ids
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_the_right_4xx_and_write_nothing() {
    let server = TestServer::start_with_limit(200, 64 * 1024).await;
    let vol = server.volunteers()[0].clone();
    let d = TestDevice::new(&server.url);
    let joined = d
        .client
        .join(&server.invite(&vol, Role::Volunteer))
        .await
        .unwrap();
    d.canvass(4);
    d.client.sync_now(|_| {}).await.unwrap();
    let before = server.server_attempt_ids();
    let doc = doc_of(&d);
    let http = reqwest::Client::new();
    let sync_url = format!("{}/v1/sync", server.url);
    let message =
        |resp: serde_json::Value| resp["message"].as_str().unwrap_or_default().to_string();

    // An expired invite.
    let expired = "EXPI-REDC-ODE2";
    server
        .dir
        .server_db()
        .unwrap()
        .insert_invite(
            expired,
            &server.campaign_id,
            &vol,
            Role::Volunteer,
            chrono::Utc::now() - chrono::Duration::hours(1),
        )
        .unwrap();
    let err = TestDevice::new(&server.url)
        .client
        .join(expired)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");

    // A forged token.
    let r = http
        .post(&sync_url)
        .bearer_auth("forged-token")
        .json(&serde_json::json!({"docs": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(message(r.json().await.unwrap()).contains("join again"));

    // Malformed JSON.
    let r = http
        .post(&sync_url)
        .bearer_auth(&joined.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(message(r.json().await.unwrap()).contains("malformed"));

    // A garbage automerge message.
    let garbage =
        base64::engine::general_purpose::STANDARD.encode(b"\x42definitely not a sync message");
    let body = serde_json::json!({ "docs": [{ "doc_id": doc, "message": garbage }] });
    let r = http
        .post(&sync_url)
        .bearer_auth(&joined.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(message(r.json().await.unwrap()).contains("damaged"));

    // An oversized body.
    let big = "x".repeat(100 * 1024);
    let r = http
        .post(&sync_url)
        .bearer_auth(&joined.token)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(message(r.json().await.unwrap()).contains("limit"));

    // Too many documents in one request.
    let many: Vec<serde_json::Value> = (0..100)
        .map(|i| serde_json::json!({ "doc_id": format!("turf:x{i}"), "message": null }))
        .collect();
    let r = http
        .post(&sync_url)
        .bearer_auth(&joined.token)
        .json(&serde_json::json!({ "docs": many }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // A flood of bad requests while a good device keeps syncing.
    let flood: Vec<_> = (0..200)
        .map(|_| {
            let http = http.clone();
            let url = sync_url.clone();
            tokio::spawn(async move {
                http.post(url)
                    .bearer_auth("nope")
                    .body("{}")
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    let other = TestDevice::new(&server.url);
    other
        .client
        .join(&server.invite(&server.volunteers()[1], Role::Volunteer))
        .await
        .unwrap();
    let good = other.canvass(3);
    other.client.sync_now(|_| {}).await.unwrap();
    for f in flood {
        assert_eq!(f.await.unwrap().unwrap(), 401);
    }

    let after = server.server_attempt_ids();
    assert_eq!(
        after.len(),
        before.len() + good.len(),
        "bad requests wrote nothing"
    );
    server.stop().await;
}

/// Sends raw HTTP bytes and reads the whole answer (the server closes).
async fn raw_http(addr: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_without_a_length_or_with_a_huge_one_gets_a_readable_413() {
    let server = TestServer::start_with_limit(20, 64 * 1024).await;
    let before = server.server_attempt_ids();
    let addr = server.url.trim_start_matches("http://").to_string();
    let token = server
        .device(&server.volunteers()[0])
        .await
        .store()
        .meta("token")
        .unwrap()
        .unwrap();

    // Chunked: no Content-Length to refuse early; 100 KiB in 4 KiB chunks.
    let mut request = format!(
        "POST /v1/sync HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..25 {
        request.extend_from_slice(b"1000\r\n");
        request.extend_from_slice(&[b'x'; 4096]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_http(&addr, &request).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(answer.contains("limit of 65536 bytes"), "{answer}");

    // A declared length far past what the server will read: refused at
    // once, before any body is sent.
    let request = format!(
        "POST /v1/sync HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n"
    );
    let answer = raw_http(&addr, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    assert_eq!(server.server_attempt_ids(), before, "nothing was stored");
    server.stop().await;
}

/// A server that answers every sync with heads the phone can never reach.
async fn stuck_server(
    doc: String,
    assignments: String,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let syncs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = syncs.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let doc = doc.clone();
            let assignments = assignments.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 1 << 20];
                let mut got = Vec::new();
                // Read the head and whatever body the client sends.
                while let Ok(Ok(n)) =
                    tokio::time::timeout(std::time::Duration::from_millis(200), sock.read(&mut buf))
                        .await
                {
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                let head = String::from_utf8_lossy(&got);
                let body = if head.starts_with("POST /v1/sync") {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    format!(
                        r#"{{"docs":[{{"doc_id":"{doc}","message":null,"persisted_heads":["{}"]}}]}}"#,
                        "ab".repeat(32)
                    )
                } else {
                    // The device's real assignments, so it keeps them.
                    assignments.clone()
                };
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, syncs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_makes_no_progress_resets_then_says_what_is_missing() {
    let server = TestServer::start(200).await;
    let d = server.device(&server.volunteers()[0]).await;
    d.canvass(2);
    let doc = doc_of(&d);
    let token = d.store().meta("token").unwrap().unwrap();
    let assignments = reqwest::Client::new()
        .get(format!("{}/v1/assignments", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (url, syncs) = stuck_server(doc.clone(), assignments).await;
    let client = walkbook_core::sync::SyncClient::new(&url, d.store.clone()).unwrap();
    let err = client.sync_now(|_| {}).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("did not converge"), "{text}");
    assert!(text.contains(&doc), "names the document: {text}");
    assert!(
        text.contains(&"ab".repeat(6)),
        "names the server's heads: {text}"
    );
    let rounds = syncs.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (3..=16).contains(&rounds),
        "stalled rounds are bounded and resets were tried: {rounds}"
    );
    // Nothing was lost on the phone.
    assert_eq!(d.store().pending_upload_count().unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_is_a_retryable_503_never_a_client_error_and_nothing_is_lost() {
    let server = TestServer::start(200).await;
    let d = server.device(&server.volunteers()[0]).await;
    d.client.sync_now(|_| {}).await.unwrap();
    let ids = d.canvass(3);
    let doc = doc_of(&d);
    let token = d.store().meta("token").unwrap().unwrap();
    let message = d
        .store()
        .generate_server_sync_message(&doc, "server")
        .unwrap();
    // Another process (an admin command, a backup) holds the write lock.
    let other =
        rusqlite::Connection::open(server.dir.campaign_store_path(&server.campaign_id)).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let req = SyncRequest {
        docs: vec![walkbook_core::sync::DocMessage {
            doc_id: doc.clone(),
            message,
        }],
    };
    let started = std::time::Instant::now();
    let resp = server.post_sync(&token, &req).await;
    assert_eq!(
        resp.status(),
        503,
        "a server fault, for the client to retry"
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "busy");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "answered within the bound"
    );
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    // Once the lock is gone the same results go through; nothing was lost.
    let s = d.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(s.pending_upload, 0);
    let on_server = server.server_attempt_ids();
    assert!(ids.iter().all(|i| on_server.contains(i)));
}
