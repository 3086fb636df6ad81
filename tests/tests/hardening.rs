//! The dashboard and the sign-in endpoints against an attacker and a careless
//! operator, over HTTP on 127.0.0.1: cross-site form posts, session cookies
//! and their end (expiry, sign-out, revocation), hostile data in every field
//! that reaches a page or an export, sign-in guessing, security headers.

use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::results::NewAttempt;
use walkbook_core::sync::Role;
use walkbook_e2e::{TestDevice, TestServer};
use walkbook_server::http::ServerOptions;

/// A form body (`application/x-www-form-urlencoded`), as a browser sends it.
trait FormBody {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Joins as an organizer; returns (token, device id).
async fn organizer(server: &TestServer) -> (String, String) {
    let joined: serde_json::Value = client()
        .post(format!("{}/v1/join", server.url))
        .json(&serde_json::json!({ "invite_code": server.invite("organizer-1", Role::Organizer) }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        joined["token"].as_str().unwrap().to_string(),
        joined["device_id"].as_str().unwrap().to_string(),
    )
}

/// Signs in through the login form (same origin); returns the Set-Cookie
/// header and the `name=value` pair to send back.
async fn sign_in(server: &TestServer, token: &str) -> (String, String) {
    let resp = client()
        .post(format!("{}/dashboard/login", server.url))
        .header("origin", &server.url)
        .form_body(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "signed in");
    let set = resp
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let pair = set.split(';').next().unwrap().to_string();
    (set, pair)
}

async fn get(server: &TestServer, path: &str, cookie: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// The CSRF token of the session, from the invite form.
async fn csrf(server: &TestServer, cookie: &str) -> String {
    let page = get(server, "/dashboard/invites", cookie)
        .await
        .text()
        .await
        .unwrap();
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("the form carries a csrf token");
    page[at + 19..].split('"').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_post_is_refused_and_a_same_origin_form_with_its_token_works() {
    let server = TestServer::start(120).await;
    let (token, _) = organizer(&server).await;
    let (_, cookie) = sign_in(&server, &token).await;
    let csrf = csrf(&server, &cookie).await;
    let volunteer = server.volunteers()[0].clone();
    let post = |origin: Option<&str>, site: Option<&str>, csrf: &str| {
        let mut r = client()
            .post(format!("{}/dashboard/invites", server.url))
            .header("cookie", &cookie)
            .form_body(&[
                ("volunteer", volunteer.as_str()),
                ("hours", "2"),
                ("csrf", csrf),
            ]);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(s) = site {
            r = r.header("sec-fetch-site", s);
        }
        r.send()
    };
    // Another origin: refused, and no invite was made.
    let evil = post(Some("http://evil.example"), Some("cross-site"), &csrf)
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    assert!(!evil.text().await.unwrap().contains("id=\"code\""));
    // Another port of the same host is another origin too.
    let other_port = post(Some("http://127.0.0.1:1"), Some("same-site"), &csrf)
        .await
        .unwrap();
    assert_eq!(other_port.status(), 403);
    // Same origin without the session's token: refused.
    let no_token = post(Some(&server.url), Some("same-origin"), "")
        .await
        .unwrap();
    assert_eq!(no_token.status(), 403);
    // Same origin with the token: the invite is created.
    let ok = post(Some(&server.url), Some("same-origin"), &csrf)
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("id=\"code\""));
    // A cross-site sign-in attempt is refused as well.
    let login = client()
        .post(format!("{}/dashboard/login", server.url))
        .header("origin", "http://evil.example")
        .form_body(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_not_the_token_has_safe_flags_and_ends_on_sign_out_and_revocation() {
    let server = TestServer::start(120).await;
    let (token, device) = organizer(&server).await;
    let (set, cookie) = sign_in(&server, &token).await;
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(set.contains(flag), "{flag} in {set}");
    }
    assert!(
        !set.contains(&token),
        "the cookie is a session id, not the token"
    );
    assert_eq!(get(&server, "/dashboard", &cookie).await.status(), 200);
    // The token itself is not a session.
    let as_cookie = format!("wb_session={token}");
    assert_eq!(get(&server, "/dashboard", &as_cookie).await.status(), 303);

    // Sign out: the session is gone, the cookie cleared.
    let csrf = csrf(&server, &cookie).await;
    let out = client()
        .post(format!("{}/dashboard/logout", server.url))
        .header("cookie", &cookie)
        .header("origin", &server.url)
        .form_body(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        get(&server, "/dashboard", &cookie).await.status(),
        303,
        "signed out"
    );

    // Revoking the organizer's device ends its other sessions at once.
    let (_, second) = sign_in(&server, &token).await;
    assert_eq!(get(&server, "/dashboard", &second).await.status(), 200);
    walkbook_server::admin::revoke_device(&server.dir, &server.campaign_id, &device, "laptop lost")
        .unwrap();
    assert_ne!(get(&server, "/dashboard", &second).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_when_idle_and_behind_https_use_secure_host_cookies() {
    let opts = ServerOptions {
        session_idle: chrono::Duration::seconds(1),
        public_url: Some("https://walkbook.example.org".into()),
        ..ServerOptions::default()
    };
    let server = TestServer::start_with_options(120, opts).await;
    let (token, _) = organizer(&server).await;
    // Behind the TLS proxy the browser's origin is the public URL.
    let resp = client()
        .post(format!("{}/dashboard/login", server.url))
        .header("origin", "https://walkbook.example.org")
        .form_body(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let set = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.starts_with("__Host-wb_session=") && set.contains("Secure") && set.contains("Path=/"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    assert_eq!(get(&server, "/dashboard", &cookie).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        get(&server, "/dashboard", &cookie).await.status(),
        303,
        "expired after idling"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_every_field_is_escaped_on_pages_and_neutralised_in_exports() {
    const SCRIPT: &str = "<script>alert(1)</script>";
    const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\")";
    let mut campaign = generate_campaign(&GenerateOptions {
        households: 120,
        seed: 11,
    });
    campaign.campaign.as_mut().unwrap().name = format!("\"><svg onload=alert(1)> {SCRIPT}");
    campaign.turfs[0].name = format!("<img src=x onerror=alert(1)>{SCRIPT}");
    for v in &mut campaign.volunteers {
        v.display_name = format!("{SCRIPT}@SUM(1)");
    }
    let first_household = campaign.turfs[0].household_ids[0].clone();
    for p in campaign
        .people
        .iter_mut()
        .filter(|p| p.household_id == first_household)
    {
        p.first_name = SCRIPT.into();
        p.last_name = "+cmd|' /C calc'!A0".into();
    }
    for h in campaign
        .households
        .iter_mut()
        .filter(|h| h.id == first_household)
    {
        h.street_name = format!("{FORMULA} {SCRIPT}");
    }
    // A person whose id (from an imported voter file) is a formula.
    let formula_person = "=1+2-formula".to_string();
    let old_id = campaign
        .people
        .iter()
        .find(|p| p.household_id == first_household)
        .unwrap()
        .id
        .clone();
    for p in campaign.people.iter_mut().filter(|p| p.id == old_id) {
        p.id = formula_person.clone();
    }
    for l in &mut campaign.call_lists {
        for p in l.person_ids.iter_mut().filter(|p| **p == old_id) {
            *p = formula_person.clone();
        }
    }
    let server = TestServer::start_campaign(campaign, ServerOptions::default()).await;
    let (turf, _, [a, _b]) = server.conflict_on_first_turf().await;
    {
        let vol = a.store().meta("volunteer_id").unwrap().unwrap();
        a.store()
            .record_attempt(
                &format!("turf-{}-{vol}", turf.id),
                NewAttempt {
                    person_id: Some(formula_person.clone()),
                    result: Some("refused".into()),
                    notes: format!("{FORMULA} {SCRIPT}"),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    a.client.sync_now(|_| {}).await.unwrap();
    let (token, _) = organizer(&server).await;
    let (_, cookie) = sign_in(&server, &token).await;
    let mut escaped_seen = 0;
    for path in [
        "/dashboard".to_string(),
        format!("/dashboard/turfs/{}", turf.id),
        "/dashboard/volunteers".into(),
        "/dashboard/conflicts".into(),
        "/dashboard/invites".into(),
    ] {
        let resp = get(&server, &path, &cookie).await;
        assert_eq!(resp.status(), 200, "{path}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        let html = resp.text().await.unwrap();
        assert!(!html.contains(SCRIPT), "{path} carries a raw script tag");
        // The text is there, as text (entity-escaped, whichever entities).
        escaped_seen += html.matches("alert(1)").count();
        assert!(
            !html.contains("<img src=x") && !html.contains("<svg onload"),
            "{path}"
        );
        // The only scripts are files, never inline.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=").count(),
            "{path}"
        );
    }
    assert!(
        escaped_seen > 0,
        "the hostile text reached the pages, escaped"
    );
    let csv = get(&server, "/dashboard/export.csv", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let mut saw_formula_person = false;
    for row in rows.records() {
        for cell in row.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula cell reached the export: {cell:?}"
            );
            saw_formula_person |= cell == "'=1+2-formula";
        }
    }
    assert!(
        saw_formula_person,
        "the formula id is exported, neutralised"
    );
    // The full export carries the hostile notes too, neutralised.
    let full = get(&server, "/dashboard/export-full.csv", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let mut rows = csv::Reader::from_reader(full.as_bytes());
    let mut saw_notes = false;
    for row in rows.records() {
        for cell in row.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula cell reached the full export: {cell:?}"
            );
            saw_notes |= cell.starts_with("'=HYPERLINK") && cell.contains(SCRIPT);
        }
    }
    assert!(saw_notes, "the notes are in the full export, neutralised");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_invite_codes_and_tokens_is_rate_limited() {
    let opts = ServerOptions {
        sign_ins_per_ip_per_minute: 5,
        ..ServerOptions::default()
    };
    let server = TestServer::start_with_options(120, opts).await;
    let mut statuses = Vec::new();
    for i in 0..7 {
        let (status, wait, error) =
            walkbook_e2e::guess_invite(&server.url, &format!("WRONG-{i:04}")).await;
        statuses.push(status);
        if status == 429 {
            assert!(wait.is_some_and(|w| (1..=60).contains(&w)), "{wait:?}");
            assert_eq!(error.as_deref(), Some("rate_limited"));
        }
    }
    assert_eq!(
        &statuses[..5],
        &[403; 5],
        "wrong codes are refused as such first"
    );
    assert_eq!(&statuses[5..], &[429, 429]);
    // The dashboard sign-in shares the budget.
    let login = client()
        .post(format!("{}/dashboard/login", server.url))
        .form_body(&[("token", "guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 429);
    // Other requests are not limited.
    assert_eq!(
        client()
            .get(format!("{}/health", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let _ = TestDevice::new(&server.url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_in_another_process_never_stalls_reads_and_writes_get_a_prompt_503() {
    let server = TestServer::start(120).await;
    let (token, _) = organizer(&server).await;
    let volunteer = server.device(&server.volunteers()[0]).await;
    let vol_token = volunteer.store().meta("token").unwrap().unwrap();
    let code = server.invite(&server.volunteers()[1], Role::Volunteer);
    // An admin command (another process) holds the write lock on server.db.
    let other = rusqlite::Connection::open(server.dir.root().join("server.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let timed = |r: reqwest::RequestBuilder| async move {
        let t = std::time::Instant::now();
        let resp = r.send().await.unwrap();
        (resp, t.elapsed())
    };
    // A write starts first and waits for the lock...
    let write = tokio::spawn(timed(
        client()
            .post(format!("{}/v1/join", server.url))
            .json(&serde_json::json!({ "invite_code": code })),
    ));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // ...while reads, meanwhile, answer promptly: they neither wait behind the
    // other process's writer nor queue behind the waiting write.
    let (resp, took) = timed(
        client()
            .get(format!("{}/v1/assignments", server.url))
            .bearer_auth(&vol_token),
    )
    .await;
    assert_eq!(resp.status(), 200);
    // Well under the 2 s the write waits: the read did not queue behind it.
    assert!(took < std::time::Duration::from_millis(1500), "{took:?}");
    let (resp, took) = timed(
        client()
            .get(format!("{}/dashboard", server.url))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(resp.status(), 200);
    // Well under the 2 s the write waits: the read did not queue behind it.
    assert!(took < std::time::Duration::from_millis(1500), "{took:?}");
    // The write waited a short, bounded time, then said "busy, retry".
    let (resp, took) = write.await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    // Nothing was lost: the same invite works once the lock is gone.
    let d = TestDevice::new(&server.url);
    d.client.join(&code).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_half_sent_requests_are_cut_while_others_are_answered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let opts = ServerOptions {
        limits: walkbook_server::http::ConnectionLimits {
            header_timeout: std::time::Duration::from_secs(1),
            body_timeout: std::time::Duration::from_secs(1),
            ..Default::default()
        },
        ..ServerOptions::for_simulation()
    };
    let server = TestServer::start_with_options(60, opts).await;
    let addr = server.url.trim_start_matches("http://").to_string();
    // 200 clients that send half their headers and stop.
    let mut idle = Vec::new();
    for _ in 0..200 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
            .await
            .unwrap();
        idle.push(s);
    }
    // Everyone else is still answered.
    let t = std::time::Instant::now();
    let health = client()
        .get(format!("{}/health", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(3),
        "not starved"
    );
    // A body that trickles in is cut with 408.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"POST /v1/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"invite")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the slow body was cut within the timeout");
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Every half-sent request was disconnected within the header timeout.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mut closed = 0;
    for mut s in idle {
        let mut buf = [0u8; 256];
        match tokio::time::timeout(std::time::Duration::from_millis(500), s.read(&mut buf)).await {
            Ok(Ok(_)) | Ok(Err(_)) => closed += 1, // EOF, an error answer, or a reset
            Err(_) => {}                           // still open
        }
    }
    assert_eq!(closed, 200, "half-sent requests are disconnected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forwarded_address_counts_only_when_the_proxy_is_trusted() {
    let join = |server: &TestServer, from: &str| {
        client()
            .post(format!("{}/v1/join", server.url))
            .header("x-forwarded-for", format!("203.0.113.9, {from}"))
            .json(&serde_json::json!({ "invite_code": "WRONG-CODE" }))
            .send()
    };
    // Trusted proxy: each client address has its own budget of 2.
    let trusted = TestServer::start_with_options(
        60,
        ServerOptions {
            sign_ins_per_ip_per_minute: 2,
            trust_forwarded_for: true,
            ..ServerOptions::default()
        },
    )
    .await;
    for from in ["198.51.100.1", "198.51.100.2"] {
        for _ in 0..2 {
            assert_eq!(join(&trusted, from).await.unwrap().status(), 403);
        }
        assert_eq!(join(&trusted, from).await.unwrap().status(), 429);
    }
    // Not trusted: the header is the client's to forge; one budget for the peer.
    let direct = TestServer::start_with_options(
        60,
        ServerOptions {
            sign_ins_per_ip_per_minute: 2,
            ..ServerOptions::default()
        },
    )
    .await;
    assert_eq!(join(&direct, "198.51.100.1").await.unwrap().status(), 403);
    assert_eq!(join(&direct, "198.51.100.2").await.unwrap().status(), 403);
    assert_eq!(join(&direct, "198.51.100.3").await.unwrap().status(), 429);
}
