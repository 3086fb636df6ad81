//! The `walkbook-dev` binary: the demo keeps its dashboard up until Ctrl-C,
//! and `generate` writes a campaign the server accepts.

#[test]
fn generate_writes_a_valid_campaign_and_a_voter_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_walkbook-dev"))
        .args(["generate", "--households", "120", "--seed", "5", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("households   120"), "{stdout}");
    let data: walkbook_core::model::ReferenceData =
        serde_json::from_slice(&std::fs::read(tmp.path().join("campaign.json")).unwrap()).unwrap();
    walkbook_core::model::validate_reference_data(&data).unwrap();
    assert_eq!(data.households.len(), 120);
    let voters = std::fs::read_to_string(tmp.path().join("voters.csv")).unwrap();
    assert_eq!(
        voters.lines().count(),
        data.people.len() + 1,
        "a header and one row per person"
    );
    // The server's admin accepts it as a campaign.
    let dir = walkbook_server::admin::DataDir::open(tmp.path().join("data")).unwrap();
    walkbook_server::admin::create_campaign(&dir, &data).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_keeps_the_dashboard_up_until_ctrl_c() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_walkbook-dev"))
        .args(["demo", "--households", "200", "--volunteers", "3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut dashboard = None;
    let mut signin = None;
    let started = std::time::Instant::now();
    loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("the demo prints its progress");
        if let Some(rest) = line.strip_prefix("dashboard: ") {
            dashboard = Some(rest.to_string());
        }
        if let Some(rest) = line.strip_prefix("sign in:   ") {
            signin = rest.split_whitespace().next().map(str::to_string);
        }
        if line.contains("stays up") {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 120,
            "the demo finished its simulation"
        );
    }
    // "http://127.0.0.1:PORT/dashboard/login  (organizer token: TOKEN)"
    let dashboard = dashboard.expect("the demo printed the dashboard sign-in");
    let (url, token) = dashboard.split_once("  (organizer token: ").unwrap();
    let token = token.trim_end_matches(')');
    let base = url.trim_end_matches("/dashboard/login");
    // Still serving after the simulation, and the printed sign-in works.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let page = reqwest::Client::new()
        .get(format!("{base}/dashboard"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("doors knocked"));
    // The suspicious canvasser of the simulation is flagged for review.
    let review = reqwest::Client::new()
        .get(format!("{base}/dashboard/volunteers"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = |v: &str| {
        review
            .split("<tr>")
            .find(|r| r.contains(&format!(">{v}</a></td>")))
            .unwrap_or_else(|| panic!("{v} has a row: {review}"))
            .to_string()
    };
    assert!(row("vol-03").contains("flagged"), "{review}");
    assert!(!row("vol-01").contains("flagged"), "{review}");
    // The one-time sign-in link opens a session once.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link = signin.expect("the demo printed a sign-in link");
    let opened = no_redirects.get(&link).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    let cookie = opened.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let signed_in = no_redirects
        .get(format!("{base}/dashboard"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    assert_eq!(
        no_redirects.get(&link).send().await.unwrap().status(),
        404,
        "spent"
    );
    // Ctrl-C ends it cleanly.
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}
