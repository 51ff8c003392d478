//! A real `redis-server` for the scale-out tests, on a free port, stopped with the test. When the binary is
//! missing the tests skip with a loud message, unless `CI` is set (then they fail: CI installs it).
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running (or stopped, for restart tests) `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    tls: Option<Tls>,
}

/// The files of a TLS-only server: a certificate authority and the server's certificate for 127.0.0.1 signed
/// by it.
struct Tls {
    dir: tempfile::TempDir,
    ca_pem: String,
}

impl Tls {
    fn generate() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("server.pem"), server.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), server_key.serialize_pem()).unwrap();
        Self {
            ca_pem: ca.pem(),
            dir,
        }
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

impl RedisServer {
    /// A fresh server, or `None` (after a loud message) when `redis-server` is absent outside CI.
    pub async fn start() -> Option<Self> {
        Self::start_with(None).await
    }

    /// A fresh server that speaks only TLS, with a certificate for 127.0.0.1 from its own certificate authority
    /// ([`Self::ca_file`]).
    pub async fn start_tls() -> Option<Self> {
        Self::start_with(Some(Tls::generate())).await
    }

    /// The PEM file of the TLS server's certificate authority.
    pub fn ca_file(&self) -> String {
        self.tls.as_ref().expect("a TLS server").file("ca.pem")
    }

    async fn start_with(tls: Option<Tls>) -> Option<Self> {
        let present = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !present {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "redis-server is not installed, and CI must run the scale-out tests (apt-get install redis-server)"
                );
            }
            eprintln!(
                "\n\n*** SKIPPED: redis-server is not installed; the scale-out tests did not run ***\n\
                 *** install it (apt-get install redis-server) to run them                     ***\n"
            );
            return None;
        }
        let mut server = Self {
            child: None,
            port: super::common::free_port(),
            tls,
        };
        server.restart().await;
        Some(server)
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}/0", self.port)
    }

    /// Stops the server (its data is gone: no persistence).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and waits until it answers.
    pub async fn restart(&mut self) {
        self.stop();
        let port = self.port.to_string();
        let tls_args = match &self.tls {
            None => vec!["--port".to_owned(), port],
            Some(tls) => [
                "--port",
                "0",
                "--tls-port",
                &port,
                "--tls-cert-file",
                &tls.file("server.pem"),
                "--tls-key-file",
                &tls.file("server.key"),
                "--tls-ca-cert-file",
                &tls.file("ca.pem"),
                "--tls-auth-clients",
                "no",
            ]
            .map(str::to_owned)
            .to_vec(),
        };
        let child = Command::new("redis-server")
            .args(tls_args)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        for _ in 0..200 {
            if self.query(&["PING"]).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// Runs one command on a fresh connection.
    pub async fn query(&self, args: &[&str]) -> Result<redis::Value, String> {
        let client = match &self.tls {
            None => redis::Client::open(self.url()),
            Some(tls) => redis::Client::build_with_tls(
                self.url(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(tls.ca_pem.clone().into_bytes()),
                },
            ),
        }
        .map_err(|e| e.to_string())?;
        let mut conn = tokio::time::timeout(
            Duration::from_secs(2),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| "timeout".to_owned())?
        .map_err(|e| e.to_string())?;
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query_async(&mut conn).await.map_err(|e| e.to_string())
    }

    /// `ZCARD key` (0 when absent).
    pub async fn zcard(&self, key: &str) -> i64 {
        match self.query(&["ZCARD", key]).await.unwrap() {
            redis::Value::Int(n) => n,
            other => panic!("ZCARD answered {other:?}"),
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
