//! Turf near me against a real server on 127.0.0.1 (and, from
//! `scripts/test`, on PostgreSQL): volunteers standing at the same corner
//! ask for doors at the same moment and never share one; knocked doors stay
//! with their results and the rest go back on release and after expiry;
//! retries return the same check-out; bad requests get clear errors.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::model::ReferenceData;
use walkbook_core::sync::{ERROR_NO_DOORS_LEFT, ERROR_TRAINING_ONLY, Role, TurfNearRequest};
use walkbook_e2e::{TestDevice, TestServer};
use walkbook_server::universes;

/// A generated campaign whose last three turfs were never cut: their doors
/// (and no assignment) are left for a universe.
fn campaign_with_uncut_doors() -> (ReferenceData, HashSet<String>) {
    let mut data = generate_campaign(&GenerateOptions {
        households: 400,
        seed: 5,
    });
    let n = data.turfs.len();
    let uncut: Vec<_> = data.turfs.drain(n - 3..).collect();
    let ids: HashSet<String> = uncut.iter().map(|t| t.id.clone()).collect();
    data.assignments.retain(|a| !ids.contains(&a.unit_id));
    let doors = uncut.into_iter().flat_map(|t| t.household_ids).collect();
    (data, doors)
}

async fn server_with_universe() -> (TestServer, HashSet<String>) {
    let (data, doors) = campaign_with_uncut_doors();
    let server =
        TestServer::start_campaign(data, walkbook_server::http::ServerOptions::for_simulation())
            .await;
    let n = universes::create_universe(
        &server.home,
        &server.campaign_id,
        "walkups",
        "Walk-ups",
        &[],
    )
    .unwrap();
    assert_eq!(n, doors.len());
    (server, doors)
}

/// A corner among the universe's doors: its first door's coordinates.
fn corner(server: &TestServer, doors: &HashSet<String>) -> (f64, f64) {
    let h = server
        .campaign
        .households
        .iter()
        .find(|h| doors.contains(&h.id))
        .unwrap();
    (h.lat.unwrap(), h.lon.unwrap())
}

/// The doors of every turf the server holds, by turf id.
fn server_turfs(server: &TestServer) -> HashMap<String, Vec<String>> {
    let data = server.home.db.campaign(&server.campaign_id).unwrap();
    data.turfs
        .into_iter()
        .map(|t| (t.id, t.household_ids))
        .collect()
}

async fn post(
    server: &TestServer,
    token: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/turfs/near", server.url))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn token(d: &TestDevice) -> String {
    d.store().meta("token").unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volunteers_asking_at_once_at_one_corner_never_share_a_door() {
    let (server, universe) = server_with_universe().await;
    let (lat, lon) = corner(&server, &universe);
    let mut devices = Vec::new();
    // Eight phones (the campaign's volunteers, some with two phones).
    let vols = server.volunteers();
    for v in vols.iter().cycle().take(8) {
        devices.push(std::sync::Arc::new(server.device(v).await));
    }
    // Eight phones, twelve doors each, all at the same moment.
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(devices.len()));
    let tasks: Vec<_> = devices
        .iter()
        .map(|d| {
            let (d, start) = (d.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                d.client.turf_near_me(None, lat, lon, 12, Some(1)).await
            })
        })
        .collect();
    let mut outs = Vec::new();
    for t in tasks {
        outs.push(t.await.unwrap().unwrap());
    }

    let turfs = server_turfs(&server);
    let mut seen = HashSet::new();
    for (device, out) in devices.iter().zip(&outs) {
        assert_eq!(out.doors, 12);
        let doors = &turfs[&out.assignment.assignment.unit_id];
        assert_eq!(doors.len(), 12);
        for h in doors {
            assert!(universe.contains(h), "{h} comes from the universe");
            assert!(seen.insert(h.clone()), "{h} is in two check-outs");
        }
        // The phone holds exactly that turf, in the server's walk order.
        let walk: Vec<String> = device
            .store()
            .walk_list(&out.assignment.assignment.unit_id)
            .unwrap()
            .iter()
            .map(|d| d.household.id.clone())
            .collect();
        assert_eq!(&walk, doors);
        assert!(out.farthest_m < 2_000.0, "near: {} m", out.farthest_m);
    }
    // The 96 taken are the 96 nearest of the universe.
    let mut by_distance: Vec<(f64, String)> = server
        .campaign
        .households
        .iter()
        .filter(|h| universe.contains(&h.id))
        .map(|h| {
            let d = walkbook_core::walk::distance_m((lat, lon), (h.lat.unwrap(), h.lon.unwrap()));
            (d, h.id.clone())
        })
        .collect();
    by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let nearest: HashSet<String> = by_distance.into_iter().take(96).map(|(_, h)| h).collect();
    assert_eq!(seen, nearest);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knocked_doors_stay_and_the_rest_go_back_on_release_and_after_expiry() {
    let (server, universe) = server_with_universe().await;
    let (lat, lon) = corner(&server, &universe);
    let vols = server.volunteers();
    let a = server.device(&vols[0]).await;
    let out = a
        .client
        .turf_near_me(None, lat, lon, 6, None)
        .await
        .unwrap();
    let assignment = out.assignment.assignment.clone();
    let until = assignment.expires_at - Utc::now();
    assert!(
        until > Duration::hours(47) && until <= Duration::days(2),
        "two days by default"
    );
    let original = server_turfs(&server)[&assignment.unit_id].clone();
    // Two doors knocked, offline; release uploads them first.
    let knocked = knock(&a, &assignment.id, &assignment.unit_id, 2);
    let returned = a.client.release_turf(&assignment.id).await.unwrap();
    assert_eq!(returned, 4);
    let mut on_server = server.server_attempt_ids();
    on_server.sort();
    let mut expected = knocked.clone();
    expected.sort();
    assert_eq!(on_server, expected, "the knocked doors' results arrived");
    let kept = server_turfs(&server)[&assignment.unit_id].clone();
    assert_eq!(kept.len(), 2, "the turf keeps its knocked doors");
    assert!(
        !a.store()
            .assignments()
            .unwrap()
            .iter()
            .any(|x| x.assignment.id == assignment.id),
        "the phone deleted the released turf once its results were on the server"
    );

    // The next volunteer at the same corner gets the four back, never the two.
    let b = server.device(&vols[1]).await;
    let next = b
        .client
        .turf_near_me(None, lat, lon, 6, None)
        .await
        .unwrap();
    let doors = server_turfs(&server)[&next.assignment.assignment.unit_id].clone();
    assert!(doors.iter().all(|h| !kept.contains(h)));
    let given_back: Vec<&String> = original.iter().filter(|h| !kept.contains(h)).collect();
    assert_eq!(given_back.len(), 4);
    assert!(
        given_back.iter().all(|h| doors.contains(h)),
        "the four doors given back are the nearest free ones again"
    );

    // Expiry: B never goes. After expiry and the 12-hour grace, the next
    // check-out (any volunteer) gives B's doors back first.
    let later = Utc::now() + Duration::days(2) + Duration::hours(13);
    let c = universes::check_out(
        &server.home,
        &server.campaign_id,
        &walkbook_core::turfnear::CheckOutRequest {
            universe_id: "walkups",
            volunteer_id: &vols[2],
            lat,
            lon,
            doors: 6,
            days: 1,
            now: later,
            checkout_id: "later-1",
        },
    )
    .unwrap();
    let turfs = server_turfs(&server);
    assert!(
        !turfs.contains_key(&next.assignment.assignment.unit_id),
        "an expired check-out with no knocks is gone"
    );
    let c_doors: HashSet<&String> = c.check_out.turf.household_ids.iter().collect();
    assert_eq!(c_doors, doors.iter().collect(), "B's six doors went to C");
    server.stop().await;
}

/// Records "not home" at the first `n` doors of a turf; the attempt ids.
fn knock(d: &TestDevice, assignment: &str, turf: &str, n: usize) -> Vec<String> {
    let mut store = d.store();
    let doors = store.walk_list(turf).unwrap();
    doors
        .iter()
        .take(n)
        .map(|door| {
            store
                .record_attempt(
                    assignment,
                    walkbook_core::results::NewAttempt {
                        household_id: Some(door.household.id.clone()),
                        result: Some("not_home".into()),
                        ..Default::default()
                    },
                )
                .unwrap()
                .id
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_bad_requests_and_an_empty_universe_get_clear_answers() {
    let (server, universe) = server_with_universe().await;
    let (lat, lon) = corner(&server, &universe);
    let vols = server.volunteers();
    let a = server.device(&vols[0]).await;
    let t = token(&a);
    let ask = |id: &str, doors: u32| {
        serde_json::to_value(TurfNearRequest {
            request_id: id.into(),
            universe_id: None,
            lat,
            lon,
            doors,
            days: None,
        })
        .unwrap()
    };
    // A lost reply: the same request again is the same check-out.
    let (s1, first) = post(&server, &t, &ask("req-0001-abcd", 5)).await;
    let (s2, again) = post(&server, &t, &ask("req-0001-abcd", 5)).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first["assignment"], again["assignment"]);
    let near: Vec<_> = server_turfs(&server)
        .into_keys()
        .filter(|k| k.starts_with("near-"))
        .collect();
    assert_eq!(near.len(), 1, "one check-out, not two");

    for (body, code, needle) in [
        (
            serde_json::json!({"request_id": "req-0002-abcd", "lat": 500.0, "lon": lon, "doors": 5}),
            400,
            "not a place on Earth",
        ),
        (ask("req-0003-abcd", 0), 400, "between 1 and"),
        (ask("bad id!", 5), 400, "request_id"),
        (
            serde_json::json!({"request_id": "req-0004-abcd", "universe_id": "nope", "lat": lat, "lon": lon, "doors": 5}),
            404,
            "does not exist",
        ),
        (
            serde_json::json!({"lat": lat}),
            400,
            "request_id, lat, lon and doors",
        ),
    ] {
        let (status, reply) = post(&server, &t, &body).await;
        assert_eq!(status, code, "{reply}");
        assert!(
            reply["message"].as_str().unwrap().contains(needle),
            "{reply}"
        );
    }
    // Someone else's check-out cannot be released.
    let b = server.device(&vols[1]).await;
    let id = first["assignment"]["assignment"]["id"].as_str().unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/turfs/near/{id}/release", server.url))
        .bearer_auth(token(&b))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    // A trainee cannot check out doors.
    let trainee = TestDevice::new(&server.url);
    trainee
        .client
        .join(&server.invite("walk-in", Role::Trainee))
        .await
        .unwrap();
    let (status, reply) = post(&server, &token(&trainee), &ask("req-0005-abcd", 5)).await;
    assert_eq!(
        (status, reply["error"].as_str().unwrap()),
        (403, ERROR_TRAINING_ONLY)
    );
    // Every door taken: 409 with what to do.
    let rest = universe.len() as u32 - 5;
    let (status, _) = post(&server, &token(&b), &ask("req-0006-abcd", rest.min(120))).await;
    assert_eq!(status, 200);
    let mut left = rest.saturating_sub(120);
    let mut n = 7;
    while left > 0 {
        let (status, _) = post(
            &server,
            &token(&b),
            &ask(&format!("req-{n:04}-abcd"), left.min(120)),
        )
        .await;
        assert_eq!(status, 200);
        left = left.saturating_sub(120);
        n += 1;
    }
    let (status, reply) = post(&server, &token(&b), &ask("req-9999-abcd", 1)).await;
    assert_eq!(
        (status, reply["error"].as_str().unwrap()),
        (409, ERROR_NO_DOORS_LEFT)
    );
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("try again later")
    );
    server.stop().await;
}
