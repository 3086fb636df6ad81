//! A TCP proxy on loopback that misbehaves on purpose, so the demo and the
//! tests can show sync surviving bad networks: connections refused, and
//! responses cut off after the server already did the work.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use walkbook_core::generate::SplitMix64;

/// What the proxy does with one incoming connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward both ways.
    Pass,
    /// Close the connection before forwarding anything.
    Refuse,
    /// Forward the request, wait for the server's answer, then drop it: the
    /// server has done the work but the client never hears about it.
    CutResponse,
    /// Forward only the first bytes of the request, then cut both sides:
    /// the server sees a body that ends in the middle.
    CutRequest,
    /// Forward the request and the first part of the answer (the status
    /// line, headers, and some of the body), then cut: the client sees a
    /// reply that breaks off mid-body after the server did the work.
    CutResponseMidBody,
}

/// Faults drawn at random, per connection, once the scripted plan is used up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultRates {
    pub refuse: f64,
    pub cut_response: f64,
    pub cut_mid_body: f64,
    /// Delay some connections by up to this many milliseconds (a third of them).
    pub max_delay_ms: u64,
}

/// A proxy in front of `upstream`; connections take faults from the plan in
/// order, then pass once the plan is used up.
pub struct FlakyProxy {
    pub url: String,
    plan: Arc<Mutex<VecDeque<Fault>>>,
    random: Arc<Mutex<Option<(FaultRates, SplitMix64)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FlakyProxy {
    pub async fn start(
        upstream: std::net::SocketAddr,
        plan: Vec<Fault>,
    ) -> std::io::Result<FlakyProxy> {
        Self::start_balanced(vec![upstream], plan, 0).await
    }

    /// A proxy in front of several servers, as a load balancer without
    /// health checks: each connection goes to one of `upstreams` drawn at
    /// random (seeded), whether it is up or not.
    pub async fn start_balanced(
        upstreams: Vec<std::net::SocketAddr>,
        plan: Vec<Fault>,
        seed: u64,
    ) -> std::io::Result<FlakyProxy> {
        if upstreams.is_empty() {
            return Err(std::io::Error::other("a proxy needs at least one upstream"));
        }
        let mut pick = SplitMix64::new(seed);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let plan = Arc::new(Mutex::new(VecDeque::from(plan)));
        let random: Arc<Mutex<Option<(FaultRates, SplitMix64)>>> = Arc::new(Mutex::new(None));
        let (p, r) = (plan.clone(), random.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let scripted = p.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                let (fault, delay) = match scripted {
                    Some(f) => (f, 0),
                    None => match r.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
                        Some((rates, rng)) => draw(rates, rng),
                        None => (Fault::Pass, 0),
                    },
                };
                let upstream = upstreams[pick.below(upstreams.len() as u64) as usize];
                tokio::spawn(async move {
                    if delay > 0 {
                        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                    }
                    handle(client, upstream, fault).await
                });
            }
        });
        Ok(FlakyProxy {
            url,
            plan,
            random,
            task,
        })
    }

    /// From now on, draws a fault for every connection the plan does not
    /// cover, with these rates, from a seeded generator (reproducible).
    pub fn set_random_faults(&self, rates: FaultRates, seed: u64) {
        *self.random.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((rates, SplitMix64::new(seed)));
    }

    /// Stops drawing random faults: every later connection passes.
    pub fn stop_random_faults(&self) {
        *self.random.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Faults still to come.
    pub fn remaining(&self) -> usize {
        self.plan.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

fn draw(rates: &FaultRates, rng: &mut SplitMix64) -> (Fault, u64) {
    let x = rng.unit();
    let fault = if x < rates.refuse {
        Fault::Refuse
    } else if x < rates.refuse + rates.cut_response {
        Fault::CutResponse
    } else if x < rates.refuse + rates.cut_response + rates.cut_mid_body {
        Fault::CutResponseMidBody
    } else {
        Fault::Pass
    };
    let delay = if rates.max_delay_ms > 0 && rng.below(3) == 0 {
        rng.below(rates.max_delay_ms)
    } else {
        0
    };
    (fault, delay)
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(mut client: TcpStream, upstream: std::net::SocketAddr, fault: Fault) {
    match fault {
        Fault::Refuse => drop(client),
        Fault::Pass => {
            if let Ok(mut server) = TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        }
        Fault::CutRequest => {
            let Ok(mut server) = TcpStream::connect(upstream).await else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            if let Ok(n) = client.read(&mut buf).await {
                // Headers and part of the body at most: never the whole request.
                let _ = server.write_all(&buf[..n.min(200)]).await;
            }
            drop(server);
            drop(client);
        }
        Fault::CutResponseMidBody => {
            let Some((mut from_server, mut to_client, forward)) =
                forward_request(client, upstream).await
            else {
                return;
            };
            // Read the whole answer, pass on its first half, then cut.
            let mut answer = Vec::new();
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match tokio::time::timeout(
                    std::time::Duration::from_millis(300),
                    from_server.read(&mut buf),
                )
                .await
                {
                    Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
            let _ = to_client.write_all(&answer[..answer.len() / 2]).await;
            forward.abort();
            let _ = to_client.shutdown().await;
        }
        Fault::CutResponse => {
            let Some((mut from_server, mut to_client, forward)) =
                forward_request(client, upstream).await
            else {
                return;
            };
            // The first bytes of the answer prove the server finished the
            // request; then both connections are dropped.
            let mut buf = [0u8; 1];
            let _ = from_server.read(&mut buf).await;
            forward.abort();
            let _ = to_client.shutdown().await;
        }
    }
}

/// Connects to the server and forwards the client's request in the
/// background; returns the server's read side, the client's write side and
/// the forwarding task.
async fn forward_request(
    client: TcpStream,
    upstream: std::net::SocketAddr,
) -> Option<(
    tokio::net::tcp::OwnedReadHalf,
    tokio::net::tcp::OwnedWriteHalf,
    tokio::task::JoinHandle<()>,
)> {
    let server = TcpStream::connect(upstream).await.ok()?;
    let (from_server, mut to_server) = server.into_split();
    let (mut from_client, to_client) = client.into_split();
    let forward = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
    });
    Some((from_server, to_client, forward))
}
