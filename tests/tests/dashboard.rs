//! The organizer dashboard over HTTP against a real server: access rules,
//! overview numbers, the turf map, the conflict inbox and the export.

use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::results::NewAttempt;
use walkbook_e2e::TestServer;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

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
    let other_id = walkbook_server::admin::create_campaign(&server.dir, &other).unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synced_results_show_in_the_overview_map_conflicts_and_export() {
    let server = TestServer::start(300).await;
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

    let map = get(&format!("/dashboard/turfs/{}", turf.id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        map.matches("<circle class=\"door").count(),
        turf.household_ids.len(),
        "one marker per door"
    );
    assert_eq!(map.matches("class=\"door retry\"").count(), 3);

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
