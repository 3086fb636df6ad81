//! Progress on stderr: a bar with rate and ETA on a terminal (indicatif),
//! a plain line every 10% (or every 16 MiB when the size is unknown) when
//! stderr is a file or a pipe.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use walkbook_server::progress::Progress;

pub struct Stderr {
    what: &'static str,
    total: Option<u64>,
    done: AtomicU64,
    /// The next amount at which a plain line is printed.
    next_line: AtomicU64,
    started: Instant,
    bar: Option<ProgressBar>,
}

const PLAIN_STEP_UNKNOWN: u64 = 16 << 20;

impl Stderr {
    /// Progress of `what` over `total` bytes (when known).
    pub fn bytes(what: &'static str, total: Option<u64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = match total {
                Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
                None => ProgressBar::new_spinner(),
            };
            let template = if total.is_some() {
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, ETA {eta}"
            } else {
                "{msg} {spinner} {bytes} {bytes_per_sec}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what);
            bar
        });
        Stderr {
            what,
            total,
            done: AtomicU64::new(0),
            next_line: AtomicU64::new(Self::step(total)),
            started: Instant::now(),
            bar,
        }
    }

    fn step(total: Option<u64>) -> u64 {
        total.map_or(PLAIN_STEP_UNKNOWN, |t| (t / 10).max(1))
    }

    /// Ends the bar (or prints the last plain line).
    pub fn finish(&self) {
        let done = self.done.load(Ordering::Relaxed);
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None => eprintln!(
                "{}: {} in {:.1} s",
                self.what,
                mib(done),
                self.started.elapsed().as_secs_f64()
            ),
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

impl Progress for Stderr {
    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            return;
        }
        let next = self.next_line.load(Ordering::Relaxed);
        if done >= next {
            self.next_line
                .store(done + Self::step(self.total), Ordering::Relaxed);
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            let rate = done as f64 / secs;
            match self.total {
                Some(t) => {
                    let eta = (t.saturating_sub(done)) as f64 / rate.max(1.0);
                    eprintln!(
                        "{}: {} of {} ({}%), {}/s, ETA {:.0} s",
                        self.what,
                        mib(done),
                        mib(t),
                        done * 100 / t.max(1),
                        mib(rate as u64),
                        eta
                    );
                }
                None => eprintln!("{}: {}, {}/s", self.what, mib(done), mib(rate as u64)),
            }
        }
    }
}
