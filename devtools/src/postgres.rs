//! A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into
//! a temporary directory, started on a free loopback port, stopped and
//! removed on drop. Needs the Debian `postgresql` package (`./scripts/test`
//! installs it). As root, the cluster runs as the `postgres` user, as
//! PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TestCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ClusterError(String);

fn err(what: impl Into<String>) -> ClusterError {
    ClusterError(what.into())
}

/// The directory holding `initdb` and `pg_ctl`: the newest
/// `/usr/lib/postgresql/*/bin` (Debian), or wherever `pg_config` says.
fn postgres_bin() -> Result<PathBuf, ClusterError> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if bin.join("initdb").exists() {
            return Ok(bin);
        }
    }
    Err(err(
        "PostgreSQL is not installed (no initdb found): apt-get install postgresql, or run ./scripts/test, which installs it",
    ))
}

fn free_port() -> Result<u16, ClusterError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| err(e.to_string()))?;
    Ok(l.local_addr().map_err(|e| err(e.to_string()))?.port())
}

impl TestCluster {
    /// Creates and starts a new cluster.
    pub fn start() -> Result<Self, ClusterError> {
        Self::start_inner(false)
    }

    /// A cluster that accepts only TLS connections on loopback, with a
    /// certificate for 127.0.0.1 and localhost from a CA of its own
    /// ([`Self::ca_pem`]); plain connections are rejected.
    pub fn start_with_tls() -> Result<Self, ClusterError> {
        Self::start_inner(true)
    }

    /// The CA certificate (PEM file) of a cluster started with TLS.
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    fn start_inner(tls: bool) -> Result<Self, ClusterError> {
        let bin = postgres_bin()?;
        let dir = std::env::temp_dir().join(format!("walkbook-pg-{}", uuid_like()));
        // create_dir, not create_dir_all: a directory that already exists
        // belongs to another cluster and must not be shared.
        std::fs::create_dir(&dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
        let as_postgres = is_root();
        let mut cluster = TestCluster {
            dir,
            bin,
            port: 0,
            as_postgres,
        };
        if as_postgres {
            cluster.run("chown", &["-R", "postgres", path_str(&cluster.dir)?])?;
        }
        let data = cluster.dir.join("data");
        let initdb = cluster.bin.join("initdb");
        cluster.run_as_postgres(
            &initdb,
            &[
                "-D",
                path_str(&data)?,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        if tls {
            cluster.configure_tls(&data)?;
        }
        // A port picked free can be taken before the server binds it: try
        // a few.
        let pg_ctl = cluster.bin.join("pg_ctl");
        let log = cluster.dir.join("log");
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1",
                path_str(&cluster.dir)?
            );
            match cluster.run_as_postgres(
                &pg_ctl,
                &[
                    "-D",
                    path_str(&data)?,
                    "-l",
                    path_str(&log)?,
                    "-w",
                    "start",
                    "-o",
                    &options,
                ],
            ) {
                Ok(()) => {
                    cluster.port = port;
                    return Ok(cluster);
                }
                Err(e) => last = Some(e),
            }
        }
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        Err(err(format!(
            "PostgreSQL did not start: {}\n{log}",
            last.map(|e| e.0).unwrap_or_default()
        )))
    }

    /// Writes a CA and a server certificate, turns TLS on and rejects
    /// plain TCP connections (pg_hba.conf).
    fn configure_tls(&self, data: &Path) -> Result<(), ClusterError> {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let bad = |e: rcgen::Error| err(format!("certificate: {e}"));
        let ca_key = KeyPair::generate().map_err(bad)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(bad)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(bad)?;
        let key = KeyPair::generate().map_err(bad)?;
        let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(bad)?
            .signed_by(&key, &ca)
            .map_err(bad)?;
        let write = |name: &str, text: &str| {
            let path = self.dir.join(name);
            std::fs::write(&path, text).map_err(|e| err(format!("{}: {e}", path.display())))?;
            Ok::<_, ClusterError>(path)
        };
        write("ca.pem", &ca.pem())?;
        let crt = write("server.crt", &cert.pem())?;
        let key_path = write("server.key", &key.serialize_pem())?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| err(format!("{}: {e}", key_path.display())))?;
        if self.as_postgres {
            self.run(
                "chown",
                &["postgres", path_str(&crt)?, path_str(&key_path)?],
            )?;
        }
        let conf = data.join("postgresql.conf");
        let mut text =
            std::fs::read_to_string(&conf).map_err(|e| err(format!("{}: {e}", conf.display())))?;
        text.push_str(&format!(
            "\nssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
            path_str(&crt)?,
            path_str(&key_path)?
        ));
        std::fs::write(&conf, text).map_err(|e| err(format!("{}: {e}", conf.display())))?;
        let hba = data.join("pg_hba.conf");
        std::fs::write(
            &hba,
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        )
        .map_err(|e| err(format!("{}: {e}", hba.display())))?;
        Ok(())
    }

    /// `postgres://postgres@127.0.0.1:PORT/DATABASE`
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database; its URL.
    pub fn create_database(&self, name: &str) -> Result<String, ClusterError> {
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""))?;
        Ok(self.url(name))
    }

    /// Runs SQL through psql on a database; its output (unaligned, tuples
    /// only).
    pub fn psql(&self, database: &str, sql: &str) -> Result<String, ClusterError> {
        let psql = self.bin.join("psql");
        let port = self.port.to_string();
        let out = Command::new(&psql)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ])
            .output()
            .map_err(|e| err(format!("psql: {e}")))?;
        if !out.status.success() {
            return Err(err(format!(
                "psql failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), ClusterError> {
        let out = Command::new(program)
            .args(args)
            .output()
            .map_err(|e| err(format!("{program}: {e}")))?;
        if !out.status.success() {
            return Err(err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    fn run_as_postgres(&self, program: &Path, args: &[&str]) -> Result<(), ClusterError> {
        let program = path_str(program)?;
        if self.as_postgres {
            let mut all = vec!["-u", "postgres", "--", program];
            all.extend_from_slice(args);
            self.run("runuser", &all)
        } else {
            self.run(program, args)
        }
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if self.port != 0 {
            let pg_ctl = self.bin.join("pg_ctl");
            let data = self.dir.join("data");
            if let (Ok(pg_ctl), Ok(data)) = (path_str(&pg_ctl), path_str(&data)) {
                let _ = self
                    .run_as_postgres(Path::new(pg_ctl), &["-D", data, "-m", "immediate", "stop"]);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path_str(p: &Path) -> Result<&str, ClusterError> {
    p.to_str()
        .ok_or_else(|| err(format!("{} is not UTF-8", p.display())))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A name no other cluster of this machine uses: the process id, a counter
/// for the clusters this process started (tests start them from parallel
/// threads, and two threads can read the same clock value) and the clock for
/// a process id reused after a crash left its directory behind.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static STARTED: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = STARTED.fetch_add(1, Ordering::Relaxed);
    format!("{}-{n}-{nanos}", std::process::id())
}

/// A TCP relay on 127.0.0.1 in front of `port` that holds every piece of
/// data `one_way` before passing it on, in both directions: a database one
/// network hop away (a managed PostgreSQL), on one machine. Bandwidth is
/// not limited; only latency is added. The relay runs on plain threads
/// (their sleeps are finer than an async timer's millisecond) until the
/// process ends.
pub fn start_latency_relay(port: u16, one_way: std::time::Duration) -> Result<u16, ClusterError> {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::mpsc;
    use std::time::Instant;

    fn pipe(mut from: TcpStream, mut to: TcpStream, one_way: std::time::Duration) {
        let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n @ 1..) = from.read(&mut buf) {
                if tx
                    .send((Instant::now() + one_way, buf[..n].to_vec()))
                    .is_err()
                {
                    break;
                }
            }
        });
        std::thread::spawn(move || {
            for (due, bytes) in rx {
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                if to.write_all(&bytes).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        });
    }

    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| err(e.to_string()))?;
    let relay_port = listener
        .local_addr()
        .map_err(|e| err(e.to_string()))?
        .port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            if let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) {
                pipe(client, s2, one_way);
                pipe(server, c2, one_way);
            }
        }
    });
    Ok(relay_port)
}

impl TestCluster {
    /// This cluster's loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }
}
