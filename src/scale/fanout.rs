//! Tools-list-changed fan-out: an instance that applies a change of the tools directory publishes it on a Redis
//! channel; every other instance hears it, re-reads the (shared) directory at once and tells its own connected
//! clients. Messages carry only the sender's random instance id.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{Redis, ScaleError};

/// Pause before subscribing again after the connection to Redis was lost.
const RESUBSCRIBE_PAUSE: Duration = Duration::from_secs(1);

/// Publishes and hears tools-directory changes.
#[derive(Debug, Clone)]
pub struct Fanout {
    redis: Redis,
    channel: String,
    instance: String,
}

/// The subscription; dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription {
    /// One message per change another instance applied (and one after each reconnection, since messages sent
    /// while disconnected are lost: the receiver re-reads its directory to catch up).
    pub changes: mpsc::Receiver<()>,
    task: JoinHandle<()>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Fanout {
    /// The fan-out of this deployment (its prefix), for this instance.
    pub fn new(redis: Redis) -> Self {
        Self {
            channel: redis.key("tools-changed"),
            instance: uuid::Uuid::new_v4().to_string(),
            redis,
        }
    }

    /// Tells the other instances that the tools changed.
    pub async fn publish(&self) -> Result<(), ScaleError> {
        let mut conn = self.redis.connection();
        let (channel, instance) = (self.channel.clone(), self.instance.clone());
        self.redis
            .run("announcing a tools change", async move {
                redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(instance)
                    .query_async::<i64>(&mut conn)
                    .await
            })
            .await
            .map(|_| ())
    }

    /// Hears the other instances' changes until dropped, resubscribing after a lost connection.
    pub fn subscribe(&self) -> Subscription {
        let (tx, changes) = mpsc::channel(4);
        let me = self.clone();
        let task = tokio::spawn(async move {
            let mut first = true;
            while !tx.is_closed() {
                match me.listen(&tx, first).await {
                    Ok(()) => tracing::warn!(
                        "lost the Redis subscription for tools changes; subscribing again"
                    ),
                    Err(e) => tracing::warn!("{e}"),
                }
                first = false;
                tokio::time::sleep(RESUBSCRIBE_PAUSE).await;
            }
        });
        Subscription { changes, task }
    }

    /// Subscribes and forwards messages until the connection ends.
    async fn listen(&self, tx: &mpsc::Sender<()>, first: bool) -> Result<(), ScaleError> {
        let client = self.redis.client().clone();
        let channel = self.channel.clone();
        let mut pubsub = self
            .redis
            .run("subscribing to tools changes", async move {
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.subscribe(channel).await?;
                Ok(pubsub)
            })
            .await?;
        if !first {
            // Changes published while we were away are lost: have the receiver re-read its directory.
            let _ = tx.try_send(());
        }
        let mut messages = pubsub.on_message();
        while let Some(msg) = messages.next().await {
            let sender: String = msg.get_payload().unwrap_or_default();
            if sender != self.instance {
                // A full channel already holds a pending change: one re-read covers both.
                let _ = tx.try_send(());
            }
        }
        Ok(())
    }
}
