//! Analytics while serving: the model of the latest refresh in memory, a
//! one-customer update as soon as that customer's data changes, and the
//! refresh schedule.
//!
//! Changes are noticed by following the durable event log (the same one
//! `GET /v1/events` streams): an interaction, a complaint, an order, a
//! preference change or a suggestion response names its customer, whose
//! figures are then recomputed and announced to clients as an
//! `analytics_updated` event. Nothing in the write paths has to know about
//! analytics, and writes made by another process on the same database are
//! followed too. Changes to one customer that arrive while their figures
//! are being recomputed make one more recompute, not one each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use futures::StreamExt;
use rapport_api::{CustomerAnalytics, EventBody};
use tokio::sync::{Mutex, RwLock};

use super::compute::{self, Model};
use super::facts::{self, Catalogue};
use super::refresh::{self, Report};
use super::settings::Settings;
use super::store;
use crate::Db;
use crate::error::Result;
use crate::events::Events;

/// How often the schedule checks whether a refresh is due.
const CHECK_EVERY: Duration = Duration::from_secs(600);

struct Loaded {
    model: Arc<Model>,
    catalogue: Arc<Catalogue>,
}

/// The analytics of one server.
pub struct Analytics {
    db: Db,
    pub settings: Settings,
    as_of: Option<NaiveDate>,
    loaded: RwLock<Option<Loaded>>,
    /// One refresh at a time.
    refreshing: Mutex<()>,
}

impl std::fmt::Debug for Analytics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analytics")
            .field("settings", &self.settings)
            .field("as_of", &self.as_of)
            .finish_non_exhaustive()
    }
}

impl Analytics {
    /// `as_of`: the fixed analysis date, or None for today (UTC).
    pub fn new(db: Db, settings: Settings, as_of: Option<NaiveDate>) -> Arc<Analytics> {
        Arc::new(Analytics {
            db,
            settings,
            as_of,
            loaded: RwLock::new(None),
            refreshing: Mutex::new(()),
        })
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of.unwrap_or_else(|| Utc::now().date_naive())
    }

    /// Load the latest refresh's model, if there is one.
    pub async fn load(&self) -> Result<bool> {
        let mut conn = self.db.pool().acquire().await?;
        let Some(model) = store::latest_model(&mut conn).await? else {
            return Ok(false);
        };
        let catalogue = Catalogue::load(&mut conn, &model.categories).await?;
        *self.loaded.write().await = Some(Loaded {
            model: Arc::new(model),
            catalogue: Arc::new(catalogue),
        });
        Ok(true)
    }

    /// The model in use.
    pub async fn model(&self) -> Option<Arc<Model>> {
        self.loaded.read().await.as_ref().map(|l| l.model.clone())
    }

    /// Recompute everyone, then use the new model.
    pub async fn refresh(&self) -> Result<Report> {
        let _one = self.refreshing.lock().await;
        let (model, report) = refresh::refresh(&self.db, &self.settings, self.as_of()).await?;
        let mut conn = self.db.pool().acquire().await?;
        let catalogue = Catalogue::load(&mut conn, &model.categories).await?;
        *self.loaded.write().await = Some(Loaded {
            model: Arc::new(model),
            catalogue: Arc::new(catalogue),
        });
        Ok(report)
    }

    /// Recompute one customer's figures against the current model and store
    /// them. None before the first refresh, or for a customer who does not
    /// exist.
    pub async fn update_customer(&self, id: i64) -> Result<Option<CustomerAnalytics>> {
        Ok(self.update_customers(&[id]).await?.pop())
    }

    /// Recompute these customers' figures against the current model and
    /// store them in one transaction. Returns those recomputed (none before
    /// the first refresh; customers who do not exist are left out).
    pub async fn update_customers(&self, ids: &[i64]) -> Result<Vec<CustomerAnalytics>> {
        let Some((model, cat)) = self
            .loaded
            .read()
            .await
            .as_ref()
            .map(|l| (l.model.clone(), l.catalogue.clone()))
        else {
            return Ok(Vec::new());
        };
        let as_of = self.as_of();
        let now = Utc::now();
        let mut facts = Vec::with_capacity(ids.len());
        {
            let mut conn = self.db.pool().acquire().await?;
            for id in ids {
                if let Some(f) =
                    facts::load_one(&mut conn, &cat, *id, as_of, self.settings.default_margin)
                        .await?
                {
                    facts.push(f);
                }
            }
        }
        if facts.is_empty() {
            return Ok(Vec::new());
        }
        let figures: Vec<CustomerAnalytics> = facts
            .iter()
            .map(|f| {
                let raw = compute::raw(f, as_of);
                compute::figures(f, &raw, &cat, &model, &self.settings, as_of, now)
            })
            .collect();
        let mut w = self.db.write().await?;
        for a in &figures {
            store::replace_one(&mut w, a).await?;
        }
        w.commit().await?;
        Ok(figures)
    }

    /// Whether the figures are missing or out of date: no refresh yet, one
    /// for another date, one older than the interval, or data imported
    /// since.
    pub async fn refresh_due(&self) -> Result<bool> {
        let Some((as_of, finished)) = refresh::latest_run(&self.db).await? else {
            return Ok(true);
        };
        if as_of != self.as_of() {
            return Ok(true);
        }
        if let Some(every) = self.settings.refresh_every
            && (Utc::now() - finished).to_std().unwrap_or_default() >= every
        {
            return Ok(true);
        }
        let imported: Option<i64> = sqlx::query_scalar("SELECT MAX(finished_at) FROM imports")
            .fetch_one(self.db.pool())
            .await?;
        Ok(imported.is_some_and(|t| t >= finished.timestamp()))
    }

    /// Background work while serving: refresh when due (at start when the
    /// figures are missing or stale, then on the schedule), and update a
    /// customer's figures whenever their data changes. The model is loaded
    /// and the event log's position taken before this returns, so no change
    /// made once the server answers is missed.
    pub async fn start(
        self: &Arc<Self>,
        events: Arc<Events>,
    ) -> Result<tokio::task::JoinHandle<()>> {
        if let Err(e) = self.load().await {
            tracing::warn!(error = %e, "could not load the latest analytics model");
        }
        let from: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
            .fetch_one(self.db.pool())
            .await?;
        let this = Arc::clone(self);
        Ok(tokio::spawn(async move {
            let follow = {
                let this = Arc::clone(&this);
                let events = Arc::clone(&events);
                async move { this.follow(events, from).await }
            };
            let schedule = {
                let this = Arc::clone(&this);
                async move { this.schedule().await }
            };
            tokio::join!(follow, schedule);
        }))
    }

    async fn schedule(&self) {
        loop {
            match self.refresh_due().await {
                Ok(true) => {
                    let t = Instant::now();
                    match self.refresh().await {
                        Ok(r) => tracing::info!(
                            customers = r.customers,
                            rules = r.rules_active,
                            seconds = t.elapsed().as_secs_f64(),
                            "analytics refreshed"
                        ),
                        Err(e) => tracing::warn!(error = %e, "analytics refresh failed"),
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not check whether analytics are due"),
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
    }

    /// Follow the log and recompute the figures of each customer whose
    /// data changed. Changes are coalesced per customer: however many
    /// arrive while a recompute runs, a customer is recomputed once after
    /// it, and up to [`UPDATE_BATCH`] customers are recomputed and stored
    /// together, so the updates keep up with the writes under load.
    async fn follow(&self, events: Arc<Events>, from: i64) {
        let due = Due::default();
        let read = async {
            let mut stream = std::pin::pin!(events.everything(self.db.clone(), from));
            while let Some(e) = stream.next().await {
                if let Some(customer) = e.customer_id.filter(|_| changes_figures(&e.body)) {
                    due.add(customer);
                }
            }
        };
        let work = async {
            loop {
                let batch = due.take(UPDATE_BATCH).await;
                match self.update_customers(&batch).await {
                    Ok(done) => {
                        for a in done {
                            let customer = a.customer_id;
                            events.publish_ephemeral(
                                Some(customer),
                                EventBody::AnalyticsUpdated(Box::new(a)),
                            );
                        }
                    }
                    Err(e) => {
                        tracing::warn!(customers = batch.len(), error = %e, "could not update customers' figures");
                    }
                }
            }
        };
        tokio::select! {
            _ = read => {}
            _ = work => {}
        }
    }
}

/// Customers recomputed together at most.
pub const UPDATE_BATCH: usize = 64;

/// Customers whose figures are due, each once, oldest first.
#[derive(Default)]
struct Due {
    list: std::sync::Mutex<(
        std::collections::VecDeque<i64>,
        std::collections::HashSet<i64>,
    )>,
    ready: tokio::sync::Notify,
}

impl Due {
    fn add(&self, customer: i64) {
        let mut l = self.list.lock().unwrap_or_else(|p| p.into_inner());
        if l.1.insert(customer) {
            l.0.push_back(customer);
            self.ready.notify_one();
        }
    }

    /// Up to `n` customers, waiting for one if none is due.
    async fn take(&self, n: usize) -> Vec<i64> {
        loop {
            {
                let mut l = self.list.lock().unwrap_or_else(|p| p.into_inner());
                if !l.0.is_empty() {
                    let k = n.min(l.0.len());
                    let batch: Vec<i64> = l.0.drain(..k).collect();
                    for c in &batch {
                        l.1.remove(c);
                    }
                    return batch;
                }
            }
            self.ready.notified().await;
        }
    }
}

/// Events after which a customer's figures can differ.
pub fn changes_figures(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::InteractionCreated(_)
            | EventBody::ComplaintCreated(_)
            | EventBody::ComplaintUpdated(_)
            | EventBody::PreferencesUpdated(_)
            | EventBody::OrderCreated(_)
            | EventBody::SuggestionResponded(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// However many changes arrive for a customer before their turn, they
    /// are recomputed once; a change during their recompute makes one more.
    #[tokio::test]
    async fn changes_to_one_customer_coalesce() {
        let due = Due::default();
        for c in [1, 2, 1, 3, 2, 1] {
            due.add(c);
        }
        assert_eq!(due.take(2).await, vec![1, 2]);
        due.add(1);
        due.add(3);
        assert_eq!(due.take(10).await, vec![3, 1]);
        let later = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            due.add(4);
        };
        let (got, ()) = tokio::join!(due.take(10), later);
        assert_eq!(got, vec![4]);
    }
}
