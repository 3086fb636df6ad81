//! The README's main job, run end to end on a small campaign.

use walkbook_dev::demo::{DemoOptions, run_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_delivers_every_attempt_exactly_once_through_network_faults() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        households: 300,
        volunteers: 6,
        doors_per_shift: 12,
        calls_per_shift: 6,
        ..DemoOptions::default()
    };
    let mut lines = Vec::new();
    let (report, server) = run_demo(&opts, tmp.path(), |l| lines.push(l.to_string()))
        .await
        .unwrap();
    assert!(
        report.exactly_once(),
        "missing {:?}, unexpected {:?}",
        report.missing,
        report.unexpected
    );
    assert!(report.recorded > 30);
    assert!(
        report.volunteers.iter().any(|v| v.faults_survived > 0),
        "one device synced through faults"
    );
    assert!(report.volunteers.iter().any(|v| v.syncs >= 2));
    assert!(report.volunteers.iter().all(|v| v.pending_after == 0));
    assert!(
        report.volunteers.iter().any(|v| v.calls > 0)
            && report.volunteers.iter().any(|v| v.doors > 0),
        "canvassers and phone bankers"
    );
    assert!(report.conflicts >= 1, "a second visit heard otherwise");
    assert!(lines.iter().any(|l| l.contains("server listening")));
    let health = reqwest::get(format!("{}/health", report.url))
        .await
        .unwrap();
    assert!(health.status().is_success());
    let overview: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/dashboard/overview.json", report.url))
        .bearer_auth(&report.organizer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (overview["attempts"].as_u64().unwrap() + overview["lit_drops"].as_u64().unwrap()) as usize,
        report.recorded,
        "the dashboard shows the simulated results (lit drops counted apart)"
    );
    // The activity review adds up to the same results, per volunteer.
    let review = reqwest::Client::new()
        .get(format!("{}/dashboard/volunteers", report.url))
        .bearer_auth(&report.organizer_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut per_volunteer = std::collections::BTreeMap::<String, usize>::new();
    for row in review.split("<tr>").skip(2) {
        let cells: Vec<&str> = row
            .split("<td>")
            .skip(1)
            .map(|c| c.split("</td>").next().unwrap())
            .collect();
        let volunteer = cells[0].split('>').nth(1).unwrap().trim_end_matches("</a");
        *per_volunteer.entry(volunteer.to_string()).or_default() +=
            cells[2].parse::<usize>().unwrap();
    }
    for v in &report.volunteers {
        assert_eq!(
            per_volunteer.get(&v.volunteer_id).copied().unwrap_or(0),
            v.doors + v.calls,
            "{}: {review}",
            v.volunteer_id
        );
    }
    server.stop().await.unwrap();
}
