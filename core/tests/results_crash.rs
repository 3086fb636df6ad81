//! Crash safety: a child process records attempts in a loop and prints each
//! acknowledged id; the parent kills it with SIGKILL at random moments. After
//! reopening, every acknowledged attempt must be there.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use walkbook_core::store::DeviceStore;

const CHILD_ENV: &str = "WALKBOOK_CRASH_CHILD_DB";

/// In the child: record attempts forever, printing each id once it is durable.
#[test]
fn crash_child_entry() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut store = DeviceStore::open(&path, None).expect("child opens the store");
    let people = ["P1", "P2", "P3", "P5", "P6", "P7", "P8"];
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let p = people[i % people.len()];
        let a = store
            .record_attempt("A-turf", common::door_result(p, "not_home", i as i64))
            .expect("record");
        writeln!(out, "ACK {}", a.id).unwrap();
        out.flush().unwrap();
    }
}

/// A small deterministic PRNG for kill delays (no rand dependency).
fn next(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn every_acknowledged_attempt_survives_sigkill() {
    let d = common::device();
    let path: PathBuf = d.dir.path().join("campaign.db");
    drop(d.store);
    let exe = std::env::current_exe().unwrap();
    let mut acked: Vec<String> = Vec::new();
    let mut seed = 0x5eed_u64;
    for round in 0..24 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Kill after a random number of acknowledgements (1..=12), or after a
        // random short delay, whichever the round picks: both hit mid-write.
        let kill_after = 1 + (next(&mut seed) % 12) as usize;
        let delay = Duration::from_millis(next(&mut seed) % 40);
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let mut this_round = 0;
        let started = Instant::now();
        while this_round < kill_after {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if let Some(id) = line.trim().strip_prefix("ACK ") {
                acked.push(id.to_string());
                this_round += 1;
            }
        }
        if round % 2 == 1 {
            std::thread::sleep(delay.saturating_sub(started.elapsed().min(delay)));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        // Lines the child wrote before dying were acknowledged too.
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
        acked.extend(
            rest.lines()
                .filter_map(|l| l.strip_prefix("ACK ").map(String::from)),
        );
        child.wait().unwrap();

        let mut store =
            DeviceStore::open(&path, None).expect("the store opens cleanly after a crash");
        let ids: std::collections::HashSet<String> = store
            .attempts("turf:T1")
            .expect("the document loads")
            .into_iter()
            .map(|a| a.id)
            .collect();
        for id in &acked {
            assert!(
                ids.contains(id),
                "round {round}: acknowledged attempt {id} was lost"
            );
        }
    }
    assert!(
        acked.len() >= 24,
        "the child acknowledged {} attempts",
        acked.len()
    );
}
