//! The `walkbook-server` binary as an organizer runs it: create a campaign
//! (from a synthetic one written here), invite, serve, and stop gracefully
//! on SIGTERM.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use walkbook_server::db::CampaignStore;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_walkbook-server"))
}

fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A synthetic campaign in `dir/campaign.json` and `dir/voters.csv`, as
/// `walkbook-dev generate` writes them.
fn generate(dir: &Path, households: usize, seed: u64) {
    use walkbook_core::generate::{GenerateOptions, generate_campaign, write_voter_csv};
    let data = generate_campaign(&GenerateOptions { households, seed });
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("campaign.json"),
        serde_json::to_vec_pretty(&data).unwrap(),
    )
    .unwrap();
    let mut csv = Vec::new();
    write_voter_csv(&data, &mut csv).unwrap();
    std::fs::write(dir.join("voters.csv"), csv).unwrap();
}

fn admin(data: &Path, args: &[&str]) -> Output {
    bin()
        .arg("admin")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn an_organizer_sets_up_a_campaign_and_serves_it() {
    let tmp = tempfile::tempdir().unwrap();
    let gen_dir = tmp.path().join("gen");
    let data = tmp.path().join("data");
    generate(&gen_dir, 200, 3);
    let created = ok(admin(
        &data,
        &["create-campaign", "--from", gen_dir.to_str().unwrap()],
    ));
    assert!(created.contains("created campaign demo-3"), "{created}");

    // Data minimisation, as an organizer checks it: no numbers on turfs.
    let packets = ok(admin(&data, &["packets", "--campaign", "demo-3"]));
    let turfs: Vec<&str> = packets.lines().filter(|l| l.contains(" turf ")).collect();
    let lists: Vec<&str> = packets
        .lines()
        .filter(|l| l.contains(" call_list "))
        .collect();
    assert!(!turfs.is_empty() && !lists.is_empty(), "{packets}");
    for line in &turfs {
        let fields = line.split("fields: ").nth(1).unwrap();
        assert!(fields.starts_with("name, household"), "{line}");
        assert!(
            !fields.contains("phones") && !fields.contains("party"),
            "{line}"
        );
    }
    assert!(lists.iter().all(|l| l.ends_with(", phones")), "{packets}");

    let invite = ok(admin(
        &data,
        &["invite", "--campaign", "demo-3", "--volunteer", "vol-01"],
    ));
    let code = invite
        .lines()
        .find_map(|l| l.strip_prefix("invite code: "))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(code.len(), 14, "{invite}");

    // A free loopback port for the server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = bin()
        .args(["serve", "--port", &port.to_string(), "--data-dir"])
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if reqwest::get(format!("{url}/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server answers /health");

    let joined: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/v1/join"))
        .json(&serde_json::json!({ "invite_code": code, "device_id": "test-device-1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(joined["volunteer_id"], "vol-01");
    // The server issues the device id; the one the client proposed is ignored.
    let device_id = joined["device_id"].as_str().unwrap().to_string();
    assert!(device_id.starts_with("dev-"), "{joined}");

    let devices = ok(admin(&data, &["devices", "--campaign", "demo-3"]));
    assert!(
        devices.contains(&device_id)
            && devices.contains("active")
            && !devices.contains("test-device-1"),
        "{devices}"
    );
    ok(admin(
        &data,
        &[
            "revoke-device",
            "--campaign",
            "demo-3",
            "--device",
            &device_id,
            "--reason",
            "lost",
        ],
    ));
    let gone = reqwest::Client::new()
        .get(format!("{url}/v1/assignments"))
        .bearer_auth(joined["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 401);

    // The generator's voter file imports back: everyone is already there.
    let voters = gen_dir.join("voters.csv");
    let run = admin(
        &data,
        &[
            "import",
            "--campaign",
            "demo-3",
            "--file",
            voters.to_str().unwrap(),
        ],
    );
    // stderr is a pipe here: plain progress lines, the last with the size.
    let progress = String::from_utf8_lossy(&run.stderr).to_string();
    let size = std::fs::metadata(&voters).unwrap().len() as f64 / (1024.0 * 1024.0);
    assert!(
        progress.contains("importing: ")
            && progress.contains(&format!("{size:.1} MiB"))
            && progress.contains("(100%)"),
        "{progress}"
    );
    let imported = ok(run);
    assert!(
        imported.contains(" 0 imported")
            && imported.contains(" 0 rejected")
            && imported.contains(" 0 new households"),
        "{imported}"
    );
    let messy = tmp.path().join("messy.tsv");
    std::fs::write(&messy, "VanID\tFirstName\tLastName\tAddress\tZip\nN1\tNew\tVoter\t99 Nowhere St Apt 1\t60622\nN2\tNo\tAddress\t\t60622\n").unwrap();
    // A dry run shows the mapping, the rows and the report, and writes nothing.
    let before = walkbook_server::admin::DataDir::open(&data)
        .unwrap()
        .server_db()
        .unwrap()
        .campaign_revision("demo-3")
        .unwrap();
    let dry = ok(admin(
        &data,
        &[
            "import",
            "--campaign",
            "demo-3",
            "--file",
            messy.to_str().unwrap(),
            "--dry-run",
            "--report",
            tmp.path().join("report.csv").to_str().unwrap(),
        ],
    ));
    assert!(
        dry.contains("dry run: nothing is written")
            && dry.contains("voter id")
            && dry.contains("<- VanID")
            && dry.contains("N1 New Voter at 99 Nowhere St")
            && dry.contains("line 3: no address"),
        "{dry}"
    );
    let after = walkbook_server::admin::DataDir::open(&data)
        .unwrap()
        .server_db()
        .unwrap()
        .campaign_revision("demo-3")
        .unwrap();
    assert_eq!(before, after, "the dry run wrote nothing");
    // The full report, one line per rejection or warning.
    let report = std::fs::read_to_string(tmp.path().join("report.csv")).unwrap();
    assert!(report.starts_with("line,kind,reason\n"), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("3,rejected,") && l.contains("no address")),
        "{report}"
    );
    let imported = ok(admin(
        &data,
        &[
            "import",
            "--campaign",
            "demo-3",
            "--file",
            messy.to_str().unwrap(),
        ],
    ));
    assert!(
        imported.contains("2 rows: 1 imported") && imported.contains("line 3: no address"),
        "{imported}"
    );

    let cut = ok(admin(
        &data,
        &["cut-turfs", "--campaign", "demo-3", "--doors", "60"],
    ));
    assert!(cut.contains("cut 1 new turfs"), "{cut}");
    let again = ok(admin(&data, &["cut-turfs", "--campaign", "demo-3"]));
    assert!(again.contains("cut 0 new turfs"), "{again}");

    let script = tmp.path().join("script.toml");
    std::fs::write(&script, "id = \"door-canvass\"\nkind = \"canvass\"\ntitle = \"Short\"\n\n[[questions]]\nid = \"support\"\nprompt = \"Support?\"\nkind = \"choice\"\noptions = [{ id = \"1\", label = \"Yes\" }]\n").unwrap();
    let added = ok(admin(
        &data,
        &[
            "add-script",
            "--campaign",
            "demo-3",
            "--file",
            script.to_str().unwrap(),
        ],
    ));
    assert!(added.contains("script door-canvass is now v2"), "{added}");
    std::fs::write(&script, "id = \"x\"\nkind = \"canvass\"\ntitle = \"T\"\n[[questions]]\nid = \"q\"\nprompt = \"?\"\nkind = \"choice\"\noptions = []\n").unwrap();
    let bad = admin(
        &data,
        &[
            "add-script",
            "--campaign",
            "demo-3",
            "--file",
            script.to_str().unwrap(),
        ],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("line 5"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );

    let export = tmp.path().join("results.csv");
    let wrote = ok(admin(
        &data,
        &[
            "export",
            "--campaign",
            "demo-3",
            "--out",
            export.to_str().unwrap(),
        ],
    ));
    assert!(wrote.contains("wrote 0 rows"), "{wrote}");
    assert!(
        std::fs::read_to_string(&export)
            .unwrap()
            .starts_with("person_id,contact_type,result_code")
    );

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits cleanly: {status:?}"
    );
}

#[test]
fn bad_admin_input_gets_a_clear_message_and_a_failing_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let missing = admin(
        &data,
        &["create-campaign", "--from", "/nonexistent/campaign"],
    );
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("cannot read /nonexistent/campaign/campaign.json")
            || String::from_utf8_lossy(&missing.stderr)
                .contains("cannot read /nonexistent/campaign")
    );

    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, r#"{"campaign": null, "households": [{"id": "H1"}]}"#).unwrap();
    let out = admin(&data, &["create-campaign", "--from", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a valid campaign file"));

    let nocampaign = admin(
        &data,
        &["invite", "--campaign", "nope", "--volunteer", "vol-01"],
    );
    assert!(String::from_utf8_lossy(&nocampaign.stderr).contains("campaign nope does not exist"));
}

/// Starts `walkbook-server serve --database-url url` on a free port and
/// waits for /health.
async fn serve_on_postgres(url: &str) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = bin()
        .args(["serve", "--port", &port.to_string(), "--database-url", url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve --database-url did not answer /health");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_moves_to_postgres_and_serves_from_three_processes() {
    let tmp = tempfile::tempdir().unwrap();
    let gen_dir = tmp.path().join("gen");
    let data = tmp.path().join("data");
    generate(&gen_dir, 120, 3);
    ok(admin(
        &data,
        &["create-campaign", "--from", gen_dir.to_str().unwrap()],
    ));
    let cluster =
        tokio::task::block_in_place(|| walkbook_dev::postgres::TestCluster::start().unwrap());
    let url = cluster.create_database("moved").unwrap();

    // Without a database to copy into, the command says what it needs.
    let out = admin(
        &data,
        &["migrate-to-postgres", "--from", data.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--database-url"));
    let moved = ok(bin()
        .args([
            "admin",
            "--database-url",
            &url,
            "migrate-to-postgres",
            "--from",
        ])
        .arg(&data)
        .output()
        .unwrap());
    assert!(
        moved.contains("copied 1 campaigns") && moved.contains("checked:"),
        "{moved}"
    );

    // Three processes on the one database.
    let mut servers = Vec::new();
    for _ in 0..3 {
        servers.push(serve_on_postgres(&url).await);
    }
    let invite = ok(bin()
        .args([
            "admin",
            "--database-url",
            &url,
            "invite",
            "--campaign",
            "demo-3",
            "--volunteer",
            "vol-01",
        ])
        .output()
        .unwrap());
    let code = invite
        .lines()
        .find_map(|l| l.strip_prefix("invite code: "))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let http = reqwest::Client::new();
    let joined: serde_json::Value = http
        .post(format!("{}/v1/join", servers[0].1))
        .json(&serde_json::json!({ "invite_code": code }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = joined["token"].as_str().unwrap().to_string();
    let device = joined["device_id"].as_str().unwrap().to_string();
    // The invite is used up on every process.
    let again = http
        .post(format!("{}/v1/join", servers[1].1))
        .json(&serde_json::json!({ "invite_code": code }))
        .send()
        .await
        .unwrap();
    assert!(again.status().is_client_error(), "{}", again.status());

    // One process dies mid-shift (SIGKILL); the others carry on.
    servers[0].0.kill().unwrap();
    servers[0].0.wait().unwrap();
    for (_, base) in &servers[1..] {
        let r = http
            .get(format!("{base}/v1/assignments"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{base}");
    }
    // A revocation takes effect on every process at once.
    ok(bin()
        .args([
            "admin",
            "--database-url",
            &url,
            "revoke-device",
            "--campaign",
            "demo-3",
            "--device",
            &device,
        ])
        .output()
        .unwrap());
    for (_, base) in &servers[1..] {
        let r = http
            .get(format!("{base}/v1/assignments"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{base}");
    }
    // Ready while the database answers; not ready (503) once it is gone,
    // so a load balancer stops sending phones there.
    let base = &servers[1].1;
    let r = http.get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    drop(cluster);
    let r = http.get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let body = r.text().await.unwrap();
    assert!(body.contains("cannot reach its store"), "{body}");
    for (mut child, _) in servers.into_iter().skip(1) {
        let _ = child.kill();
        let _ = child.wait();
    }
}
