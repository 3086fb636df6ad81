//! A TCP proxy on loopback that misbehaves on purpose, so the demo and the
//! tests can show sync surviving bad networks: connections refused, and
//! responses cut off after the server already did the work.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
}

/// A proxy in front of `upstream`; connections take faults from the plan in
/// order, then pass once the plan is used up.
pub struct FlakyProxy {
    pub url: String,
    plan: Arc<Mutex<VecDeque<Fault>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FlakyProxy {
    pub async fn start(
        upstream: std::net::SocketAddr,
        plan: Vec<Fault>,
    ) -> std::io::Result<FlakyProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let plan = Arc::new(Mutex::new(VecDeque::from(plan)));
        let p = plan.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let fault = p
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .pop_front()
                    .unwrap_or(Fault::Pass);
                tokio::spawn(handle(client, upstream, fault));
            }
        });
        Ok(FlakyProxy { url, plan, task })
    }

    /// Faults still to come.
    pub fn remaining(&self) -> usize {
        self.plan.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
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
        Fault::CutResponse => {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let (mut from_server, mut to_server) = server.into_split();
            let (mut from_client, mut to_client) = client.into_split();
            let forward = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
            });
            // The first bytes of the answer prove the server finished the
            // request; then both connections are dropped.
            let mut buf = [0u8; 1];
            let _ = from_server.read(&mut buf).await;
            forward.abort();
            let _ = to_client.shutdown().await;
        }
    }
}
