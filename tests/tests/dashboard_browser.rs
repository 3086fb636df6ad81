//! The dashboard in a real headless Chromium (Debian `chromium` +
//! `chromium-driver`, spoken to over WebDriver): sign in, the overview (on
//! a laptop and a phone-sized window), the campaign and turf maps on the
//! vendored Leaflet with no tile server reachable (markers, legend, turf
//! outlines, a popup), the activity review with a rollback and its undo,
//! the metrics charts, the conflict inbox, the invite form, the export.
//! Screenshots land in target/dashboard-screenshots/ for people to look at.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use walkbook_e2e::TestServer;

/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    async fn start() -> (Browser, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed by ./scripts/test (Debian chromium-driver)");
        let b = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..100 {
            if let Ok(r) = b.http.get(format!("{}/status", b.base)).send().await
                && r.json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1000"] } } } });
        let session: Value = b
            .http
            .post(format!("{}/session", b.base))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = session["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"))
            .to_string();
        (b, id)
    }

    async fn cmd(&self, session: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{session}{path}", self.base);
        let request = self.http.request(method, url);
        let request = if body.is_null() {
            request
        } else {
            request.json(&body)
        };
        let r = request.send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        assert!(v["value"].get("error").is_none(), "webdriver {path}: {v}");
        v["value"].clone()
    }

    async fn go(&self, s: &str, url: &str) {
        self.cmd(s, reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    async fn find(&self, s: &str, css: &str) -> String {
        let v = self
            .cmd(
                s,
                reqwest::Method::POST,
                "/element",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("element {css}: {v}"))
            .to_string()
    }

    /// Clicks the element matching `css`.
    async fn click(&self, s: &str, css: &str) {
        let e = self.find(s, css).await;
        self.cmd(
            s,
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            json!({}),
        )
        .await;
    }

    /// Types `text` into the element matching `css`.
    async fn type_into(&self, s: &str, css: &str, text: &str) {
        let e = self.find(s, css).await;
        self.cmd(
            s,
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn run(&self, s: &str, script: &str) -> Value {
        self.cmd(
            s,
            reqwest::Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Polls `script` until it returns true: clicks navigate asynchronously.
    async fn wait_for(&self, s: &str, script: &str) {
        for _ in 0..100 {
            if self.run(s, script).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for: {script}");
    }

    async fn screenshot(&self, s: &str, name: &str) {
        let v = self
            .cmd(s, reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/dashboard-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_walks_through_the_dashboard_in_chromium() {
    let server = TestServer::start(300).await;
    // Two canvassers disagree about one voter: a conflict for the inbox.
    let (turf, person, [a, b]) = server.conflict_on_first_turf().await;
    a.client.sync_now(|_| {}).await.unwrap();
    b.client.sync_now(|_| {}).await.unwrap();
    let token = server.organizer_token(&server.campaign_id).await;
    let token = token.as_str();

    let (browser, s) = Browser::start().await;
    browser.go(&s, &format!("{}/dashboard", server.url)).await;
    assert!(
        browser
            .run(&s, "return location.pathname")
            .await
            .as_str()
            .unwrap()
            .ends_with("/dashboard/login")
    );
    browser.screenshot(&s, "login").await;
    browser.type_into(&s, "input[name=token]", token).await;
    browser.click(&s, "button[type=submit]").await;
    browser
        .wait_for(
            &s,
            "return location.pathname === '/dashboard' && document.readyState === 'complete'",
        )
        .await;

    let heading = browser
        .run(&s, "return document.querySelector('h1').textContent")
        .await;
    assert!(heading.as_str().unwrap().ends_with("overview"), "{heading}");
    assert_eq!(
        browser
            .run(&s, "return document.getElementById('doors').textContent")
            .await,
        "1"
    );
    browser.screenshot(&s, "overview").await;

    // The layout holds on a phone: nothing wider than the screen.
    browser
        .cmd(
            &s,
            reqwest::Method::POST,
            "/window/rect",
            json!({ "width": 390, "height": 844 }),
        )
        .await;
    browser.go(&s, &format!("{}/dashboard", server.url)).await;
    assert_eq!(
        browser
            .run(
                &s,
                "return document.documentElement.scrollWidth <= window.innerWidth"
            )
            .await,
        true,
        "no sideways scrolling on a phone"
    );
    browser.screenshot(&s, "overview-phone").await;
    browser
        .cmd(
            &s,
            reqwest::Method::POST,
            "/window/rect",
            json!({ "width": 1200, "height": 1000 }),
        )
        .await;

    // The turf map: Leaflet from this server, tiles unreachable.
    browser
        .go(&s, &format!("{}/dashboard/turfs/{}", server.url, turf.id))
        .await;
    browser
        .wait_for(
            &s,
            "return !!document.querySelector('#leaflet-map[data-ready]')",
        )
        .await;
    let markers = browser
        .run(
            &s,
            "return document.querySelectorAll('.leaflet-marker-icon.door-icon').length",
        )
        .await;
    assert_eq!(markers.as_u64().unwrap() as usize, turf.household_ids.len());
    assert_eq!(
        browser
            .run(&s, "return document.querySelectorAll('#legend li').length")
            .await,
        6
    );
    assert!(
        browser
            .run(&s, "return document.querySelector('#legend').textContent")
            .await
            .as_str()
            .unwrap()
            .contains("do not contact"),
        "the legend says it in words"
    );
    browser
        .click(&s, ".leaflet-marker-icon.door-icon.problem")
        .await;
    browser
        .wait_for(
            &s,
            "return !!document.querySelector('.leaflet-popup-content')",
        )
        .await;
    let popup = browser
        .run(
            &s,
            "return document.querySelector('.leaflet-popup-content').textContent",
        )
        .await;
    let popup = popup.as_str().unwrap();
    assert!(
        popup.contains("conflict") && popup.contains(&format!("Turf {}", turf.id)),
        "{popup}"
    );
    browser.screenshot(&s, "turf").await;

    // The campaign map: every door, and the turf outlines.
    browser
        .go(&s, &format!("{}/dashboard/map", server.url))
        .await;
    browser
        .wait_for(
            &s,
            "return !!document.querySelector('#leaflet-map[data-ready]')",
        )
        .await;
    let markers = browser
        .run(
            &s,
            "return document.querySelectorAll('.leaflet-marker-icon.door-icon').length",
        )
        .await;
    assert_eq!(
        markers.as_u64().unwrap() as usize,
        server.campaign.households.len()
    );
    let outlines = browser
        .run(
            &s,
            "return document.querySelectorAll('path.turf-outline').length",
        )
        .await;
    assert_eq!(
        outlines.as_u64().unwrap() as usize,
        server.campaign.turfs.len()
    );
    browser.screenshot(&s, "map").await;

    // The activity review: a's shift rolled back in the browser, then undone.
    let open_shift = async || {
        browser
            .go(&s, &format!("{}/dashboard/volunteers", server.url))
            .await;
        browser.screenshot(&s, "volunteers").await;
        browser
            .click(
                &s,
                &format!(
                    "a[href^='/dashboard/volunteers/{}/']",
                    server.volunteers()[0]
                ),
            )
            .await;
        browser
            .wait_for(&s, "return !!document.getElementById('review')")
            .await;
    };
    open_shift().await;
    browser.screenshot(&s, "shift").await;
    let review = |action: &'static str, reason: &'static str| {
        let browser = &browser;
        let s = &s;
        async move {
            browser.click(s, "#all").await;
            browser.type_into(s, "#reason", reason).await;
            browser.click(s, &format!("#{action}")).await;
            browser
                .wait_for(s, "return !!document.getElementById('done')")
                .await;
            browser
                .run(s, "return document.getElementById('done').textContent")
                .await
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(
        review("rollback", "tested the form").await,
        "1 results rolled back."
    );
    browser.screenshot(&s, "shift-rolled-back").await;
    let conflicts_now = async || {
        browser.go(&s, &format!("{}/dashboard", server.url)).await;
        browser
            .run(&s, "return document.querySelector('#totals a').textContent")
            .await
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        conflicts_now().await,
        "0 conflicts",
        "a's answer no longer counts"
    );
    open_shift().await;
    assert_eq!(review("undo", "my mistake").await, "1 results restored.");
    assert_eq!(conflicts_now().await, "1 conflicts");

    // Someone met at a door who is not on the list, accepted with a click.
    let assignment = a
        .store()
        .assignments()
        .unwrap()
        .into_iter()
        .find(|x| x.assignment.unit_id == turf.id)
        .unwrap()
        .assignment;
    let met = a
        .store()
        .record_attempt(
            &assignment.id,
            walkbook_core::results::NewAttempt {
                household_id: Some(turf.household_ids[0].clone()),
                new_person: Some(walkbook_core::results::NewPerson {
                    first_name: "Rosa".into(),
                    last_name: "Quintero".into(),
                    birth_year: None,
                    language: "es".into(),
                    reason: walkbook_core::results::NewPersonReason::WalkUp,
                }),
                ..Default::default()
            },
        )
        .unwrap()
        .id;
    a.client.sync_now(|_| {}).await.unwrap();
    browser
        .go(&s, &format!("{}/dashboard/people", server.url))
        .await;
    browser.screenshot(&s, "new-people").await;
    browser
        .click(&s, &format!("#p-{met} button[value=accept]"))
        .await;
    browser
        .wait_for(&s, "return !!document.getElementById('done')")
        .await;
    let decided = browser
        .run(
            &s,
            &format!("return document.getElementById('d-{met}').textContent"),
        )
        .await;
    assert!(
        decided
            .as_str()
            .unwrap()
            .contains("accepted by organizer-1"),
        "{decided}"
    );

    browser
        .go(&s, &format!("{}/dashboard/metrics", server.url))
        .await;
    assert_eq!(
        browser
            .run(&s, "return document.querySelectorAll('svg.chart').length")
            .await,
        4
    );
    browser.screenshot(&s, "metrics").await;
    browser
        .go(&s, &format!("{}/dashboard/invites", server.url))
        .await;
    browser.screenshot(&s, "invite-form").await;
    browser.click(&s, "form button[type=submit]").await;
    browser
        .wait_for(&s, "return document.title.startsWith('Join walkbook')")
        .await;
    browser.screenshot(&s, "invite").await;
    browser
        .go(&s, &format!("{}/dashboard/logout", server.url))
        .await;
    browser.screenshot(&s, "logout").await;

    browser
        .go(&s, &format!("{}/dashboard/conflicts", server.url))
        .await;
    let conflicts = browser
        .run(
            &s,
            "return Array.from(document.querySelectorAll('li.conflict')).map(e => e.textContent)",
        )
        .await;
    assert_eq!(conflicts.as_array().unwrap().len(), 1);
    assert!(conflicts[0].as_str().unwrap().contains(&person));
    browser.screenshot(&s, "conflicts").await;

    // The export, downloaded by the browser with its session cookie.
    let csv = browser
        .cmd(&s, reqwest::Method::POST, "/execute/async", json!({
            "script": "const done = arguments[arguments.length - 1]; fetch('/dashboard/export.csv').then(r => r.text()).then(done);",
            "args": [] }))
        .await;
    let csv = csv.as_str().unwrap();
    assert!(csv.starts_with("person_id,contact_type"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "header + two answers: {csv}");
    browser
        .cmd(&s, reqwest::Method::DELETE, "", Value::Null)
        .await;
    server.stop().await;
}
