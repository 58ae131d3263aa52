//! The caller's 360 view sent with the call: when a call with a known
//! caller is routed to a signed-in agent, their `agent_state` event carries
//! the view ([`rapport_api::AgentStatus::caller_view`]), so their client
//! paints the caller without asking for it. For an offered call the view
//! is read beside the routing transaction ([`prefetch`], on other
//! connections while the write routes and commits), and the authority of
//! the agent it is routed to as soon as routing has chosen them, while the
//! write commits; otherwise everything is read after the commit.
//!
//! A view read while a change to the customer commits could miss that
//! change, and the client, which did not have the customer open when the
//! change's event arrived, would not know. So the newest event id known is
//! noted before the read, and after it the view is sent only if no event
//! about the customer was recorded above that id (ids grow in commit
//! order). Otherwise, or when anything fails, the event goes without it
//! and the client fetches the view as usual.

use chrono::{NaiveDate, Utc};
use rapport_api::{AgentId, AgentState, CustomerId, CustomerView, EventBody};

use super::Outcome;
use crate::Db;
use crate::error::Result;
use crate::events::Events;

/// A caller's view read ahead of knowing who gets the call.
pub struct Prefetched {
    customer: CustomerId,
    /// The newest event id known before the read.
    mark: i64,
    view: Result<CustomerView>,
    /// The agent whose authority the view holds, if one.
    reader: Option<AgentId>,
}

/// Read `customer`'s view, then, once `routed` tells who the call went to
/// (it may still be committing), that agent's authority. Without an agent
/// the view has none, and [`attach`] reads it for whoever gets the call.
pub async fn prefetch(
    db: &Db,
    events: &Events,
    customer: CustomerId,
    as_of: NaiveDate,
    routed: impl Future<Output = Option<AgentId>>,
) -> Prefetched {
    let mark = events.latest_id();
    let mut view = crate::view::customer_view(db, customer, as_of, None).await;
    let mut reader = None;
    if let Ok(v) = &mut view
        && let Some(agent) = routed.await
    {
        match authority(db, agent, &v.profile.currency).await {
            Ok(Some(a)) => {
                v.authority = Some(a);
                reader = Some(agent);
            }
            Ok(None) => {}
            Err(e) => view = Err(e),
        }
    }
    Prefetched {
        customer,
        mark,
        view,
        reader,
    }
}

/// What `agent` may grant without approval in `currency` (None: no such
/// agent).
async fn authority(
    db: &Db,
    agent: AgentId,
    currency: &str,
) -> Result<Option<rapport_api::Authority>> {
    let Some(reader) = crate::agents::by_id(db, agent).await? else {
        return Ok(None);
    };
    let mut conn = db.pool().acquire().await?;
    Ok(Some(
        crate::recording::limits::authority(&mut conn, &reader, currency, Utc::now()).await?,
    ))
}

/// Give each `agent_state` event in `out` that hands a routed call with a
/// known caller to a signed-in agent the caller's view: `ready` when it
/// is of that caller, read now otherwise. Call after the commit, before
/// announcing. Does nothing when no event stream is open.
pub async fn attach(
    db: &Db,
    events: &Events,
    out: &mut Outcome,
    mut ready: Option<Prefetched>,
    as_of: NaiveDate,
) {
    if events.streams() == 0 || out.routed.is_empty() {
        return;
    }
    let routed = &out.routed;
    for e in &mut out.events {
        let EventBody::AgentState(st) = &mut e.body else {
            continue;
        };
        let Some(customer) = st.call.as_ref().and_then(|c| c.customer_id) else {
            continue;
        };
        let call = st.call.as_ref().map(|c| c.id);
        let given = routed
            .iter()
            .any(|r| Some(r.call_id) == call && r.agent_id == st.agent.id);
        if st.state != AgentState::OnCall || st.simulated || !given {
            continue;
        }
        let pre = ready.take_if(|p| p.customer == customer);
        match view_for(db, events, st.agent.id, customer, pre, as_of).await {
            Ok(Some(v)) => st.caller_view = Some(Box::new(v)),
            Ok(None) => {}
            Err(err) => {
                tracing::debug!(error = %err, customer, "caller's view not sent with the call");
            }
        }
    }
}

/// The view as `agent` gets it from `GET /v1/customers/{id}/view`, or
/// None when a change to the customer may have committed since the read.
async fn view_for(
    db: &Db,
    events: &Events,
    agent: AgentId,
    customer: CustomerId,
    pre: Option<Prefetched>,
    as_of: NaiveDate,
) -> Result<Option<CustomerView>> {
    let (mark, mut view) = match pre {
        Some(p) => {
            let mut v = p.view?;
            if p.reader != Some(agent) {
                match authority(db, agent, &v.profile.currency).await? {
                    Some(a) => v.authority = Some(a),
                    None => return Ok(None),
                }
            }
            (p.mark, v)
        }
        None => {
            let Some(reader) = crate::agents::by_id(db, agent).await? else {
                return Ok(None);
            };
            let mark = events.latest_id();
            (
                mark,
                crate::view::customer_view(db, customer, as_of, Some(&reader)).await?,
            )
        }
    };
    let mut conn = db.pool().acquire().await?;
    let changed: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM events WHERE id > ? AND customer_id = ?)")
            .bind(mark)
            .bind(customer)
            .fetch_one(&mut *conn)
            .await?;
    if changed {
        return Ok(None);
    }
    view.viewers = events.viewers(customer, Some(agent));
    Ok(Some(view))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use futures::StreamExt;
    use rapport_api::Role;

    use super::*;
    use crate::queues::{calls, ensure_demo, join, routing};

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    /// Offer `call_id` from `phone` (customer `customer`) at `at`, committed.
    async fn offer(
        db: &Db,
        q: &str,
        at: i64,
        call_id: &str,
        phone: &str,
        customer: i64,
    ) -> Outcome {
        let mut tx = db.write().await.unwrap();
        let mut out = Outcome::default();
        calls::offer(&mut tx, &mut out, at, call_id, q, phone, Some(customer))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        out
    }

    fn view_of(out: &Outcome) -> Option<&CustomerView> {
        out.events.iter().find_map(|e| match &e.body {
            EventBody::AgentState(st) => st.caller_view.as_deref(),
            _ => None,
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_view_goes_with_the_call_unless_the_customer_changed_since_the_read() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect_path(&dir.path().join("pop.sqlite"))
            .await
            .unwrap();
        crate::seed::seed(
            &db,
            &crate::seed::SeedOptions {
                customers: 20,
                seed: 3,
                anchor: as_of(),
            },
            &|_, _| {},
        )
        .await
        .unwrap();
        let q = ensure_demo(&db).await.unwrap();
        let mut agents = Vec::new();
        for name in ["Mei Lin", "Tom Baker", "Ada Obi"] {
            let a = crate::agents::create(&db, name, Role::Agent, None)
                .await
                .unwrap();
            let mut tx = db.write().await.unwrap();
            join(&mut tx, q[0].id, a.id).await.unwrap();
            routing::set_state(&mut tx, 1_000, a.id, AgentState::Available)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            agents.push(a);
        }
        let (customer, phone): (i64, String) = sqlx::query_as(
            "SELECT customer_id, e164 FROM customer_phones ORDER BY customer_id LIMIT 1",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        let events = Arc::new(Events::default());
        // Nobody listening: nothing is read.
        let mut out = offer(&db, &q[0].code, 2_000, "pbx-0", &phone, customer).await;
        attach(&db, &events, &mut out, None, as_of()).await;
        assert_eq!(out.routed.len(), 1);
        assert!(view_of(&out).is_none());
        // A stream open (polled once, so it has subscribed).
        let mut stream = Box::pin(events.stream(db.clone(), None, agents[0].id, Role::Agent));
        let _ = tokio::time::timeout(Duration::from_millis(50), stream.next()).await;
        assert!(events.streams() > 0);

        // Read ahead, nothing changed since: sent, with the agent's authority,
        // the same as the view the agent would fetch.
        // (The agent's authority read as soon as routing has chosen them,
        // as the call hook does.)
        let (chosen, routed) = tokio::sync::oneshot::channel();
        let (pre, mut out) = tokio::join!(
            prefetch(&db, &events, customer, as_of(), async { routed.await.ok() }),
            async {
                let out = offer(&db, &q[0].code, 3_000, "pbx-1", &phone, customer).await;
                let _ = chosen.send(out.routed[0].agent_id);
                out
            }
        );
        assert_eq!(pre.reader, Some(out.routed[0].agent_id));
        attach(&db, &events, &mut out, Some(pre), as_of()).await;
        let agent = out.routed[0].agent_id;
        let reader = crate::agents::by_id(&db, agent).await.unwrap().unwrap();
        let mut want = crate::view::customer_view(&db, customer, as_of(), Some(&reader))
            .await
            .unwrap();
        let got = view_of(&out).expect("the view goes with the call").clone();
        assert!(got.authority.is_some());
        want.server_time = got.server_time;
        assert_eq!(got, want);

        // Read ahead, then a change to the customer commits: not sent.
        let pre = prefetch(&db, &events, customer, as_of(), async { None }).await;
        let mut tx = db.write().await.unwrap();
        let e = crate::events::record(
            &mut tx,
            Utc::now(),
            None,
            Some(customer),
            &EventBody::Resync,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        events.committed(e.id.unwrap());
        let mut out = offer(&db, &q[0].code, 4_000, "pbx-2", &phone, customer).await;
        attach(&db, &events, &mut out, Some(pre), as_of()).await;
        assert_eq!(out.routed.len(), 1);
        assert!(view_of(&out).is_none(), "read before the change");
        // Everyone is on a call now: the next one waits, and nothing is read.
        let mut tx = db.write().await.unwrap();
        let mut out = Outcome::default();
        calls::offer(
            &mut tx,
            &mut out,
            6_000,
            "pbx-3",
            &q[0].code,
            &phone,
            Some(customer),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(out.routed.is_empty(), "everyone busy: the call waits");
        attach(&db, &events, &mut out, None, as_of()).await;
        assert!(view_of(&out).is_none());
        // Given when an agent becomes available: read after the commit, sent.
        let busy = agents.iter().find(|a| a.id == agent).unwrap();
        let mut tx = db.write().await.unwrap();
        let mut out = Outcome::default();
        calls::end(&mut tx, &mut out, 7_000, "pbx-1", 0)
            .await
            .unwrap();
        out.extend(
            routing::set_state(&mut tx, 8_000, busy.id, AgentState::Available)
                .await
                .unwrap(),
        );
        tx.commit().await.unwrap();
        assert_eq!(out.routed.len(), 1, "the waiting call is given at once");
        attach(&db, &events, &mut out, None, as_of()).await;
        assert_eq!(view_of(&out).map(|v| v.profile.id), Some(customer));
    }
}
