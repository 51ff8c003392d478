//! A per-identity cache of the metadata catalog: the record-type list and the fields of each record type.
//!
//! NetSuite's metadata catalog takes seconds to answer on real accounts, and assistants describe the same record
//! types again and again. The cache lives inside one [`super::NetSuiteClient`] (its clones share it;
//! [`super::NetSuiteClient::acting_as`] starts an empty one), so one role's answer never serves another.
//!
//! Entries expire after a time-to-live, the number of schemas kept is bounded, and concurrent requests for the
//! same entry make one upstream call (single flight). Failures are not kept: the next request asks again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::metadata::FieldInfo;

/// How long cached metadata is used before it is asked for again.
pub const DEFAULT_METADATA_TTL: Duration = Duration::from_secs(15 * 60);
/// Most record-type schemas kept per identity.
pub const DEFAULT_METADATA_MAX_TYPES: usize = 500;

/// Bounds of the metadata cache.
#[derive(Debug, Clone, Copy)]
pub struct MetadataCacheOptions {
    /// Time-to-live of an entry; zero turns the cache off (every request goes to NetSuite).
    pub ttl: Duration,
    /// Most record-type schemas kept; the oldest go first.
    pub max_types: usize,
}

impl Default for MetadataCacheOptions {
    fn default() -> Self {
        Self {
            ttl: DEFAULT_METADATA_TTL,
            max_types: DEFAULT_METADATA_MAX_TYPES,
        }
    }
}

/// One entry: filled once by whichever caller gets there first; the others wait for that result.
struct Slot<T> {
    created: Instant,
    cell: Arc<OnceCell<Arc<T>>>,
}

impl<T> Slot<T> {
    fn new() -> Self {
        Self {
            created: Instant::now(),
            cell: Arc::new(OnceCell::new()),
        }
    }

    fn fresh(&self, ttl: Duration) -> bool {
        self.created.elapsed() < ttl
    }
}

/// Record-type names and schemas of one NetSuite identity.
pub struct MetadataCache {
    options: MetadataCacheOptions,
    names: Mutex<Option<Slot<Vec<String>>>>,
    schemas: Mutex<HashMap<String, Slot<Vec<FieldInfo>>>>,
}

impl std::fmt::Debug for MetadataCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataCache")
            .field("options", &self.options)
            .field("schemas", &lock(&self.schemas).len())
            .finish_non_exhaustive()
    }
}

/// A poisoned lock only means another task panicked mid-update of a plain map; the map is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl MetadataCache {
    pub fn new(options: MetadataCacheOptions) -> Self {
        Self {
            options,
            names: Mutex::new(None),
            schemas: Mutex::new(HashMap::new()),
        }
    }

    fn enabled(&self) -> bool {
        !self.options.ttl.is_zero() && self.options.max_types > 0
    }

    /// The record-type list, from the cache or from `fetch`.
    pub async fn names<E, F, Fut>(&self, fetch: F) -> Result<Arc<Vec<String>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<String>, E>>,
    {
        if !self.enabled() {
            return fetch().await.map(Arc::new);
        }
        let cell = {
            let mut slot = lock(&self.names);
            match slot.as_ref() {
                Some(s) if s.fresh(self.options.ttl) => Arc::clone(&s.cell),
                _ => Arc::clone(&slot.insert(Slot::new()).cell),
            }
        };
        let result = cell
            .get_or_try_init(|| async { fetch().await.map(Arc::new) })
            .await
            .cloned();
        if result.is_err() {
            let mut slot = lock(&self.names);
            if slot.as_ref().is_some_and(|s| Arc::ptr_eq(&s.cell, &cell)) {
                *slot = None;
            }
        }
        result
    }

    /// The fields of `record_type`, from the cache or from `fetch`.
    pub async fn fields<E, F, Fut>(
        &self,
        record_type: &str,
        fetch: F,
    ) -> Result<Arc<Vec<FieldInfo>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<FieldInfo>, E>>,
    {
        if !self.enabled() {
            return fetch().await.map(Arc::new);
        }
        let key = record_type.to_ascii_lowercase();
        let cell = {
            let mut schemas = lock(&self.schemas);
            match schemas.get(&key) {
                Some(s) if s.fresh(self.options.ttl) => Arc::clone(&s.cell),
                _ => {
                    self.make_room(&mut schemas);
                    let slot = Slot::new();
                    let cell = Arc::clone(&slot.cell);
                    schemas.insert(key.clone(), slot);
                    cell
                }
            }
        };
        let result = cell
            .get_or_try_init(|| async { fetch().await.map(Arc::new) })
            .await
            .cloned();
        if result.is_err() {
            let mut schemas = lock(&self.schemas);
            if schemas
                .get(&key)
                .is_some_and(|s| Arc::ptr_eq(&s.cell, &cell))
            {
                schemas.remove(&key);
            }
        }
        result
    }

    /// Drops expired schemas, then the oldest ones, until one more fits.
    fn make_room(&self, schemas: &mut HashMap<String, Slot<Vec<FieldInfo>>>) {
        let ttl = self.options.ttl;
        schemas.retain(|_, s| s.fresh(ttl));
        while schemas.len() >= self.options.max_types {
            let Some(oldest) = schemas
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            schemas.remove(&oldest);
        }
    }

    /// Forgets everything, e.g. after NetSuite said a record or field does not exist (the account's
    /// customization may have changed).
    pub fn clear(&self) {
        *lock(&self.names) = None;
        lock(&self.schemas).clear();
    }

    /// Forgets the schema of `record_type` (after NetSuite refused a request naming it: its fields may have
    /// changed), and the record-type list too when `type_may_be_gone` (the type itself may have been removed or
    /// renamed). Other types' schemas stay.
    pub fn forget_type(&self, record_type: &str, type_may_be_gone: bool) {
        lock(&self.schemas).remove(&record_type.to_ascii_lowercase());
        if type_may_be_gone {
            *lock(&self.names) = None;
        }
    }

    /// How many record-type schemas are cached now.
    pub fn cached_types(&self) -> usize {
        lock(&self.schemas).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn field(name: &str) -> FieldInfo {
        FieldInfo {
            name: name.into(),
            field_type: "string".into(),
            title: String::new(),
            format: None,
            nullable: None,
            filterable: None,
            custom: None,
        }
    }

    #[tokio::test]
    async fn concurrent_requests_for_one_type_make_one_fetch() {
        let cache = Arc::new(MetadataCache::new(MetadataCacheOptions::default()));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                cache
                    .fields("customer", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>(vec![field("email")])
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap()[0].name, "email");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failures_are_not_kept_and_clear_forgets_everything() {
        let cache = MetadataCache::new(MetadataCacheOptions::default());
        let err = cache
            .fields("nosuch", || async { Err::<Vec<FieldInfo>, _>("404") })
            .await;
        assert_eq!(err.unwrap_err(), "404");
        assert_eq!(cache.cached_types(), 0);
        let ok = cache
            .fields("nosuch", || async { Ok::<_, &str>(vec![field("a")]) })
            .await;
        assert_eq!(ok.unwrap().len(), 1);
        let names = cache
            .names(|| async { Ok::<_, ()>(vec!["a".into()]) })
            .await;
        assert_eq!(names.unwrap().len(), 1);
        cache.clear();
        assert_eq!(cache.cached_types(), 0);
        let again = cache.names(|| async { Ok::<_, ()>(vec![]) }).await;
        assert!(again.unwrap().is_empty(), "the list was asked for again");
    }

    #[tokio::test]
    async fn forgetting_a_type_keeps_the_other_schemas_and_the_list_unless_the_type_may_be_gone() {
        let cache = MetadataCache::new(MetadataCacheOptions::default());
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(vec![field("email")])
        };
        for t in ["customer", "vendor", "salesorder"] {
            cache.fields(t, fetch).await.unwrap();
        }
        let lists = AtomicUsize::new(0);
        let list = || async {
            lists.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(vec!["customer".into()])
        };
        cache.names(list).await.unwrap();

        cache.forget_type("Customer", false);
        assert_eq!(cache.cached_types(), 2);
        cache.names(list).await.unwrap();
        assert_eq!(lists.load(Ordering::SeqCst), 1, "the list is kept");
        cache.fields("vendor", fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3, "vendor is still cached");
        cache.fields("customer", fetch).await.unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            4,
            "customer is asked for again"
        );

        cache.forget_type("vendor", true);
        cache.names(list).await.unwrap();
        assert_eq!(
            lists.load(Ordering::SeqCst),
            2,
            "the list is asked for again"
        );
        assert_eq!(cache.cached_types(), 2, "customer and salesorder stay");
    }

    #[tokio::test]
    async fn the_number_of_schemas_is_bounded_and_a_zero_ttl_turns_the_cache_off() {
        let cache = MetadataCache::new(MetadataCacheOptions {
            ttl: DEFAULT_METADATA_TTL,
            max_types: 3,
        });
        for t in ["a", "b", "c", "d", "e"] {
            cache
                .fields(t, || async { Ok::<_, ()>(vec![]) })
                .await
                .unwrap();
        }
        assert_eq!(cache.cached_types(), 3);

        let off = MetadataCache::new(MetadataCacheOptions {
            ttl: Duration::ZERO,
            max_types: 3,
        });
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            off.fields("a", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(vec![])
            })
            .await
            .unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn clones_share_the_cache_and_another_identity_starts_empty() {
        let endpoints = crate::account::Endpoints::new(
            &crate::account::AccountId::parse("1").unwrap(),
            None,
            None,
        )
        .unwrap();
        let server = super::super::NetSuiteClient::with_auth(
            reqwest::Client::new(),
            crate::auth::RequestAuth::Unauthenticated,
            endpoints,
            super::super::ClientOptions::default(),
        );
        server
            .metadata_cache()
            .fields("customer", || async { Ok::<_, ()>(vec![field("email")]) })
            .await
            .unwrap();
        assert_eq!(server.clone().metadata_cache().cached_types(), 1);
        let person = server.acting_as(crate::auth::RequestAuth::Unauthenticated);
        assert_eq!(
            person.metadata_cache().cached_types(),
            0,
            "one role's schemas never serve another"
        );
    }
}
