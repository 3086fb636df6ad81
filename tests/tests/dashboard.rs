//! The organizer dashboard over HTTP against a real server: access rules,
//! overview numbers, the turf map, the conflict inbox, the export, and
//! rolling a shift back and undoing it.

use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::results::NewAttempt;
use walkbook_e2e::{TestServer, no_redirects};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_for_organizers_of_their_own_campaign_only() {
    let server = TestServer::start(200).await;
    let http = no_redirects();
    let anon = http
        .get(format!("{}/dashboard", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 303);
    assert_eq!(anon.headers()["location"], "/dashboard/login");

    let volunteer = server.device(&server.volunteers()[0]).await;
    let token = volunteer.store().meta("token").unwrap().unwrap();
    let refused = http
        .get(format!("{}/dashboard", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("for organizers"));
    let forged = http
        .get(format!("{}/dashboard/export.csv", server.url))
        .bearer_auth("forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    // A second campaign on the same server: its organizer sees only it.
    let other = generate_campaign(&GenerateOptions {
        households: 120,
        seed: 77,
    });
    let other_id = walkbook_server::admin::create_campaign(&server.home, &other).unwrap();
    let other_org = server.organizer_token(&other_id).await;
    // Turf ids are per campaign; take one the other campaign does not have.
    let turf_of_first = &server
        .campaign
        .turfs
        .iter()
        .find(|t| !other.turfs.iter().any(|o| o.id == t.id))
        .unwrap()
        .id;
    let hidden = http
        .get(format!("{}/dashboard/turfs/{turf_of_first}", server.url))
        .bearer_auth(&other_org)
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);
    let overview = http
        .get(format!("{}/dashboard", server.url))
        .bearer_auth(&other_org)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        overview.contains(&other.campaign.unwrap().name),
        "{overview}"
    );

    // The login form sets an HttpOnly session cookie.
    let org = server.organizer_token(&server.campaign_id).await;
    let login = http
        .post(format!("{}/dashboard/login", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={org}"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    let page = http
        .get(format!("{}/dashboard", server.url))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    server.stop().await;
}

/// Two canvassers on the first turf, synced: they disagree about its first
/// voter (support 1 and 5), and the first also found nobody home at the
/// next three doors. (turf, that voter, the two volunteers, their devices.)
async fn a_day_with_a_conflict(
    server: &TestServer,
) -> (
    walkbook_core::model::Turf,
    String,
    Vec<String>,
    [walkbook_e2e::TestDevice; 2],
) {
    let (turf, person, [a, b]) = server.conflict_on_first_turf().await;
    let vols: Vec<String> = server.volunteers().into_iter().take(2).collect();
    let aid = format!("turf-{}-{}", turf.id, vols[0]);
    let doors = a.store().walk_list(&turf.id).unwrap();
    for door in doors.iter().skip(1).take(3) {
        a.store()
            .record_attempt(
                &aid,
                NewAttempt {
                    household_id: Some(door.household.id.clone()),
                    result: Some("not_home".into()),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    a.client.sync_now(|_| {}).await.unwrap();
    b.client.sync_now(|_| {}).await.unwrap();
    (turf, person, vols, [a, b])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synced_results_show_in_the_overview_map_conflicts_and_export() {
    let server = TestServer::start(300).await;
    let (turf, person, vols, _devices) = a_day_with_a_conflict(&server).await;

    let org = server.organizer_token(&server.campaign_id).await;
    let http = no_redirects();
    let get = |path: &str| {
        http.get(format!("{}{path}", server.url))
            .bearer_auth(&org)
            .send()
    };
    let overview = get("/dashboard").await.unwrap().text().await.unwrap();
    assert!(
        overview.contains("<span id=\"doors\">4</span> doors knocked"),
        "{overview}"
    );
    assert!(overview.contains("1 conflicts"), "{overview}");
    let json: serde_json::Value = get("/dashboard/overview.json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["doors_knocked"], 4);

    let page = get(&format!("/dashboard/turfs/{}", turf.id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"leaflet-map\"") && page.contains("id=\"legend\""));
    assert_eq!(
        page.matches("<td><span class=\"door-icon retry\"").count(),
        3,
        "the door list says it in words and symbols"
    );
    let map: serde_json::Value = get(&format!("/dashboard/map.json?turf={}", turf.id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let doors = map["doors"].as_array().unwrap();
    assert_eq!(doors.len(), turf.household_ids.len(), "one marker per door");
    assert_eq!(doors.iter().filter(|d| d["class"] == "retry").count(), 3);
    assert!(
        doors
            .iter()
            .all(|d| d["address"].as_str().is_some_and(|a| !a.is_empty()))
    );
    assert_eq!(map["turfs"][0]["knocked"], 4);
    assert!(map["turfs"][0]["outline"].as_array().unwrap().len() >= 3);
    let whole: serde_json::Value = get("/dashboard/map.json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        whole["doors"].as_array().unwrap().len(),
        server.campaign.households.len(),
        "the campaign map has every door"
    );

    let inbox = get("/dashboard/conflicts")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        inbox.contains(&person) && inbox.contains("support=1") && inbox.contains("support=5"),
        "{inbox}"
    );

    let volunteers = get("/dashboard/volunteers")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(volunteers.contains(&vols[0]) && volunteers.contains(&vols[1]));
    assert!(
        volunteers.contains("Seconds between doors") && volunteers.contains("Contact rate"),
        "{volunteers}"
    );

    let export = get("/dashboard/export.csv").await.unwrap();
    assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = export.text().await.unwrap();
    assert!(csv.starts_with(
        "person_id,contact_type,result_code,question,answer,date,canvasser,attempt_id"
    ));
    assert!(
        csv.lines()
            .filter(|l| l.contains(&format!("{person},walk,,support,")))
            .count()
            == 2,
        "{csv}"
    );

    // The same results for other tools, OSDI-shaped.
    let osdi = get("/dashboard/export-osdi.json").await.unwrap();
    assert_eq!(osdi.headers()["content-type"], "application/hal+json");
    let v: serde_json::Value = osdi.json().await.unwrap();
    let canvasses = v["_embedded"]["osdi:canvasses"].as_array().unwrap();
    let of_person: Vec<&serde_json::Value> = canvasses
        .iter()
        .filter(|c| c["target"] == format!("walkbook:{person}").as_str())
        .collect();
    assert_eq!(of_person.len(), 2, "both volunteers' conversations");
    assert!(
        v["_embedded"]["osdi:people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["identifiers"][0] == format!("walkbook:{person}").as_str())
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_prints_a_one_time_invite_with_a_qr_code_that_works() {
    let server = TestServer::start(150).await;
    let org = server.organizer_token(&server.campaign_id).await;
    let http = no_redirects();
    let form = http
        .get(format!("{}/dashboard/invites", server.url))
        .bearer_auth(&org)
        .send()
        .await
        .unwrap();
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("<select name=\"volunteer\">")
    );
    let volunteer = server.volunteers()[0].clone();
    let page = http
        .post(format!("{}/dashboard/invites", server.url))
        .bearer_auth(&org)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("volunteer={volunteer}&hours=24"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<svg"), "a QR code is drawn");
    let code = page
        .split("id=\"code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(
        page.contains(&format!("code={code}")),
        "the link carries the code"
    );
    let device = walkbook_e2e::TestDevice::new(&server.url);
    assert_eq!(
        device.client.join(&code).await.unwrap().volunteer_id,
        volunteer
    );
    // A training invite for a walk-in: the phone joins as a trainee, with
    // nothing but practice mode open to it.
    let page = http
        .post(format!("{}/dashboard/invites", server.url))
        .bearer_auth(&org)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("training=true&trainee=Walk-in%20Sam&hours=4")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Training invite") && page.contains("Walk-in Sam"),
        "{page}"
    );
    let code = page
        .split("id=\"code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let trainee = walkbook_e2e::TestDevice::new(&server.url);
    let joined = trainee.client.join(&code).await.unwrap();
    assert_eq!(joined.role, walkbook_core::sync::Role::Trainee);
    assert!(joined.assignments.is_empty());
    assert!(trainee.client.training_packet().await.is_ok());
    // A volunteer cannot make invites.
    let vol_token = device.store().meta("token").unwrap().unwrap();
    let refused = http
        .get(format!("{}/dashboard/invites", server.url))
        .bearer_auth(&vol_token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    server.stop().await;
}

/// The shift page link of `volunteer` on the activity review page.
fn shift_link(review_page: &str, volunteer: &str) -> String {
    let start = format!("href=\"/dashboard/volunteers/{volunteer}/");
    let at = review_page
        .find(&start)
        .unwrap_or_else(|| panic!("no shift link for {volunteer}: {review_page}"));
    let rest = &review_page[at + "href=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_stops_a_shift_counting_everywhere_and_its_undo_restores_it() {
    let server = TestServer::start(300).await;
    let (turf, person, vols, [a, b]) = a_day_with_a_conflict(&server).await;
    b.client.sync_now(|_| {}).await.unwrap();
    let status_on_b = || {
        b.store().walk_list(&turf.id).unwrap()[0]
            .people
            .iter()
            .find(|p| p.person.id == person)
            .unwrap()
            .status
            .status
            .kind()
    };
    assert_eq!(status_on_b(), "conflict");

    let org = server.organizer_token(&server.campaign_id).await;
    let http = no_redirects();
    let get = |path: String| {
        let req = http
            .get(format!("{}{path}", server.url))
            .bearer_auth(&org)
            .send();
        async move { req.await.unwrap().text().await.unwrap() }
    };
    let overview = || async {
        serde_json::from_str::<serde_json::Value>(&get("/dashboard/overview.json".into()).await)
            .unwrap()
    };
    let before = overview().await;
    assert_eq!(before["doors_knocked"], 4);
    assert_eq!(before["conflicts"], 1);
    let export_before = get("/dashboard/export-full.csv".into()).await;
    // a's attempts in an export (a door result is a row per resident).
    let by_a = |csv: &str| {
        csv.lines()
            .filter(|l| l.split(',').nth(6) == Some(vols[0].as_str()))
            .map(|l| l.split(',').nth(7).unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert_eq!(by_a(&export_before), 4, "{export_before}");

    // Post-mortem metrics count what counts.
    let metrics_total = || async {
        let csv = get("/dashboard/metrics.csv".into()).await;
        csv.lines()
            .find(|l| l.starts_with("all,all,"))
            .unwrap_or_else(|| panic!("{csv}"))
            .to_string()
    };
    // 5 attempts (5 knocks, 0 dials), 2 conversations (40%), support 1 and 5.
    assert!(
        metrics_total()
            .await
            .starts_with("all,all,5,5,0,2,40.0,1,0,0,0,1,"),
        "{}",
        metrics_total().await
    );
    let page = get("/dashboard/metrics".into()).await;
    assert!(
        page.contains("5 attempts that count") && page.contains("<svg class=\"chart\""),
        "{page}"
    );
    assert!(
        page.contains(&format!("<td>{}</td><td>4</td>", vols[0])),
        "{page}"
    );

    // The activity review's row for a: 4 attempts, none rolled back, 4 doors,
    // 1 conversation, 25%.
    let review_row = |page: String| {
        page.split("<tr>")
            .find(|r| r.contains(&format!(">{}</a></td>", vols[0])))
            .unwrap_or_else(|| panic!("{page}"))
            .to_string()
    };
    let row = review_row(get("/dashboard/volunteers".into()).await);
    assert!(
        row.contains("</a></td><td>4</td><td>0</td><td>4</td><td>1</td><td>25%</td>"),
        "{row}"
    );
    let link = shift_link(&get("/dashboard/volunteers".into()).await, &vols[0]);
    let page = get(link.clone()).await;
    assert_eq!(page.matches("<td>counts</td>").count(), 4, "{page}");
    assert!(
        page.contains("support: 1") && page.contains("not home"),
        "{page}"
    );

    let post = |form: Vec<(&'static str, String)>, token: String| {
        let req = http
            .post(format!("{}{link}", server.url))
            .bearer_auth(token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            )
            .send();
        async move { req.await.unwrap() }
    };
    // An organizer's action on the shift: answered with a redirect to the
    // shift page, which says what was done.
    let act = |form: Vec<(&'static str, String)>| {
        let sent = post(form, org.clone());
        let get = &get;
        async move {
            let r = sent.await;
            assert_eq!(r.status(), 303);
            get(r.headers()["location"].to_str().unwrap().to_string()).await
        }
    };
    // Refused, and nothing changes: no reason; nothing selected; a volunteer.
    let no_reason = post(
        vec![("action", "rollback".into()), ("all", "1".into())],
        org.clone(),
    )
    .await;
    assert_eq!(no_reason.status(), 400);
    assert!(no_reason.text().await.unwrap().contains("give a reason"));
    let nothing = post(
        vec![("action", "rollback".into()), ("reason", "x".into())],
        org.clone(),
    )
    .await;
    assert_eq!(nothing.status(), 400);
    let vol_token = a.store().meta("token").unwrap().unwrap();
    let by_volunteer = post(
        vec![
            ("action", "rollback".into()),
            ("all", "1".into()),
            ("reason", "mine".into()),
        ],
        vol_token,
    )
    .await;
    assert!(
        by_volunteer.status().is_client_error(),
        "{}",
        by_volunteer.status()
    );
    assert_eq!(overview().await, before);

    // The whole shift rolled back: a's results stop counting everywhere.
    let done = act(vec![
        ("action", "rollback".into()),
        ("all", "1".into()),
        ("reason", "doors seconds apart".into()),
    ])
    .await;
    assert!(done.contains("4 results rolled back"), "{done}");
    assert_eq!(done.matches("rolled back by").count(), 4, "{done}");
    assert!(done.contains("doors seconds apart"));
    let after = overview().await;
    assert_eq!(after["doors_knocked"], 1, "only b's door counts: {after}");
    assert_eq!(after["conflicts"], 0, "b's answer stands alone");
    assert_eq!(after["support"], serde_json::json!({"5": 1}));
    assert!(
        metrics_total()
            .await
            .starts_with("all,all,1,1,0,1,100.0,0,0,0,0,1,"),
        "{}",
        metrics_total().await
    );
    let export_after = get("/dashboard/export-full.csv".into()).await;
    assert_eq!(by_a(&export_after), 0, "{export_after}");
    let map = get(format!("/dashboard/turfs/{}", turf.id)).await;
    assert_eq!(
        map.matches("<td><span class=\"door-icon retry\"").count(),
        0,
        "{map}"
    );
    let review = get("/dashboard/volunteers".into()).await;
    assert!(
        !review.contains(">organizer-1</a>"),
        "the organizer is not a canvasser: {review}"
    );
    // On the phones after their next sync.
    b.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(status_on_b(), "contacted");
    let row = review_row(get("/dashboard/volunteers".into()).await);
    assert!(
        row.contains("</a></td><td>4</td><td>4</td>"),
        "all four rolled back: {row}"
    );

    // A second rollback of the same shift finds nothing left to roll back.
    let again = act(vec![
        ("action", "rollback".into()),
        ("all", "1".into()),
        ("reason", "again".into()),
    ])
    .await;
    assert!(
        again.contains("0 results rolled back; 4 selected results were left"),
        "{again}"
    );

    // Undone: everything counts again, exactly as before.
    let done = act(vec![
        ("action", "undo".into()),
        ("all", "1".into()),
        ("reason", "checked with the canvasser".into()),
    ])
    .await;
    assert!(done.contains("4 results restored"), "{done}");
    assert_eq!(overview().await, before);
    assert_eq!(
        get("/dashboard/export-full.csv".into()).await,
        export_before
    );
    b.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(status_on_b(), "conflict");

    // Accepting the day as it is: recorded, shown, nothing else changes.
    let page = act(vec![
        ("action", "accept".into()),
        ("reason", "looked fine".into()),
    ])
    .await;
    assert!(
        page.contains("Accepted by organizer-1 at ") && page.contains(": looked fine."),
        "{page}"
    );
    let review = get("/dashboard/volunteers".into()).await;
    let row = review
        .split("<tr>")
        .find(|r| r.contains(&format!(">{}</a></td>", vols[0])))
        .unwrap();
    assert!(row.contains("accepted by organizer-1"), "{row}");
    assert_eq!(overview().await, before);
    let no_such_day = http
        .post(format!(
            "{}/dashboard/volunteers/{}/2020-01-01",
            server.url, vols[0]
        ))
        .bearer_auth(&org)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=accept")
        .send()
        .await
        .unwrap();
    assert_eq!(no_such_day.status(), 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lit_drop_is_worked_door_by_door_and_counted_apart() {
    let server = TestServer::start(300).await;
    let turf = server.campaign.turfs[1].clone();
    let vol = server.volunteers()[2].clone();
    walkbook_server::admin::assign_with_mode(
        &server.home,
        &server.campaign_id,
        walkbook_core::model::AssignmentKind::Turf,
        &turf.id,
        &vol,
        chrono::Utc::now() + chrono::Duration::days(1),
        walkbook_core::model::TurfMode::LitDrop,
    )
    .unwrap();
    let phone = server.device(&vol).await;
    let aid = format!("turf-{}-{vol}", turf.id);
    assert_eq!(
        phone.store().assignment(&aid).unwrap().assignment.mode,
        walkbook_core::model::TurfMode::LitDrop,
        "the packet says how the turf is worked"
    );
    let mut dropped = Vec::new();
    for _ in 0..3 {
        let now = chrono::Utc::now().timestamp_millis();
        let door = phone.store().next_door(&turf.id, now).unwrap().unwrap();
        assert!(!dropped.contains(&door.household.id), "one drop per door");
        phone
            .store()
            .record_attempt(
                &aid,
                NewAttempt {
                    household_id: Some(door.household.id.clone()),
                    result: Some("lit_drop".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        dropped.push(door.household.id);
    }
    phone.client.sync_now(|_| {}).await.unwrap();

    let org = server.organizer_token(&server.campaign_id).await;
    let http = no_redirects();
    let overview: serde_json::Value = http
        .get(format!("{}/dashboard/overview.json", server.url))
        .bearer_auth(&org)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(overview["lit_drops"], 3);
    assert_eq!(
        overview["attempts"], 0,
        "a lit drop is not a contact attempt"
    );
    assert_eq!(overview["doors_knocked"], 0);
    let csv = http
        .get(format!("{}/dashboard/metrics.csv", server.url))
        .bearer_auth(&org)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let total = csv.lines().find(|l| l.starts_with("all,all,")).unwrap();
    assert!(
        total.starts_with("all,all,0,0,0,0,") && total.ends_with(",3"),
        "{total}"
    );
    // The map shows where literature was left.
    let map: serde_json::Value = http
        .get(format!(
            "{}/dashboard/map.json?turf={}",
            server.url, turf.id
        ))
        .bearer_auth(&org)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lit: Vec<&str> = map["doors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["class"] == "lit")
        .map(|d| d["label"].as_str().unwrap())
        .collect();
    assert_eq!(lit, ["literature left"; 3]);
    server.stop().await;
}
