//! walkbook-dev: the tools around walkbook that are not the product: the
//! demo (a simulated day of volunteers against a real server), the
//! benchmarks and the fault-injecting proxy the tests use. The synthetic
//! campaign generator itself lives in `walkbook_core::generate` (behind the
//! `organizer` feature), because core's own import and turf-cutting tests
//! use it.

pub mod bench;
pub mod demo;
pub mod faults;
pub mod postgres;
pub mod statewide;
pub mod tls;

/// Runs the futures at once (on the calling task) and returns their
/// outputs in order: `join_all` without a futures dependency, for futures
/// that borrow and so cannot be spawned.
pub async fn join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in pinned.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}
