//! A real `redis-server` for the scale-out tests, on a free port, stopped with the test. When the binary is
//! missing the tests skip with a loud message, unless `CI` is set (then they fail: CI installs it).
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running (or stopped, for restart tests) `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    /// A fresh server, or `None` (after a loud message) when `redis-server` is absent outside CI.
    pub async fn start() -> Option<Self> {
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
        };
        server.restart().await;
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
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
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
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
        let client = redis::Client::open(self.url()).map_err(|e| e.to_string())?;
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
