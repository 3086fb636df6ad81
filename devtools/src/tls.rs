//! A TLS-terminating proxy on 127.0.0.1 with a certificate from a test CA
//! made on the spot, in front of a plain-HTTP walkbook-server: production's
//! shape (TLS at a reverse proxy) for the HTTPS tests in Rust and on the
//! JVM. Never for real use: the CA's key lives only in this process.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// A running proxy: its `https://127.0.0.1:PORT` URL and the test CA's PEM
/// (what a client must trust).
pub struct TlsProxy {
    pub url: String,
    pub ca_pem: String,
}

/// Starts the proxy in front of `upstream` (`http://127.0.0.1:PORT`) on the
/// current tokio runtime; it serves until the runtime ends.
pub async fn start(upstream: &str) -> std::io::Result<TlsProxy> {
    let bad = |e: rcgen::Error| std::io::Error::other(format!("test certificate: {e}"));
    let ca_key = KeyPair::generate().map_err(bad)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(bad)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(bad)?;
    let leaf_key = KeyPair::generate().map_err(bad)?;
    let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .map_err(bad)?
        .signed_by(&leaf_key, &ca)
        .map_err(bad)?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(std::io::Error::other)?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("https://127.0.0.1:{}", listener.local_addr()?.port());
    let upstream = upstream.trim_start_matches("http://").to_string();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    Ok(TlsProxy {
        url,
        ca_pem: ca.pem(),
    })
}
