//! The live-queue requests: the agent's state, ending their call, the
//! caller lookup of a screen pop, and the supervisor desk's reads; and
//! [`spawn`], which runs a [`QueuesEffect`] and sends back its action.

use rapport_api::{
    API_PREFIX, AgentState, AgentStatus, Approval, Call, CallHook, Complaint, Desk,
    IDEMPOTENCY_KEY, QueueId, QueueLive, SearchResponse, StateChange, WhatIf,
};
use tokio::sync::mpsc;

use super::{ApiClient, ApiError};
use crate::app::Action;
use crate::app::calls::{QueuesAction, QueuesEffect};

impl ApiClient {
    /// `GET /v1/agents/me/state`.
    pub async fn my_state(&self) -> Result<AgentStatus, ApiError> {
        self.get(&format!("{API_PREFIX}/agents/me/state"), &[], true)
            .await
    }

    /// `PUT /v1/agents/me/state`: available, break or offline.
    pub async fn set_state(&self, state: AgentState) -> Result<AgentStatus, ApiError> {
        let path = format!("{API_PREFIX}/agents/me/state");
        let resp = self
            .http
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&StateChange { state })
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.finish(resp, &path).await
    }

    /// `POST /v1/calls` with `ended` for the agent's own call. The key is
    /// the call's: ending one call twice is one end.
    pub async fn end_call(&self, call_id: &str) -> Result<Call, ApiError> {
        let path = format!("{API_PREFIX}/calls");
        let hook = CallHook::Ended {
            call_id: call_id.to_string(),
            hold_secs: None,
            at: None,
        };
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(IDEMPOTENCY_KEY, format!("end-{call_id}"))
            .json(&hook)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.finish(resp, &path).await
    }

    /// `GET /v1/customers/by-phone/{number}`: who has this number.
    pub async fn by_phone(&self, number: &str) -> Result<SearchResponse, ApiError> {
        // The number goes in the path: keep only what a number holds.
        let clean: String = number
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        self.get(
            &format!(
                "{API_PREFIX}/customers/by-phone/{}",
                clean.replace('+', "%2B")
            ),
            &[],
            true,
        )
        .await
    }

    /// `GET /v1/queues`: every queue with its figures.
    pub async fn queues(&self) -> Result<Vec<QueueLive>, ApiError> {
        self.get(&format!("{API_PREFIX}/queues"), &[], true).await
    }

    /// `GET /v1/desk` (supervisors).
    pub async fn desk(&self) -> Result<Desk, ApiError> {
        self.get(&format!("{API_PREFIX}/desk"), &[], true).await
    }

    /// `GET /v1/approvals` (supervisors).
    pub async fn approvals(&self) -> Result<Vec<Approval>, ApiError> {
        self.get(&format!("{API_PREFIX}/approvals"), &[], true)
            .await
    }

    /// `GET /v1/complaints/at-risk` (supervisors).
    pub async fn at_risk(&self) -> Result<Vec<Complaint>, ApiError> {
        self.get(&format!("{API_PREFIX}/complaints/at-risk"), &[], true)
            .await
    }

    /// `GET /v1/queues/{id}/what-if?agents=` (supervisors).
    pub async fn what_if(&self, queue: QueueId, agents: Option<u32>) -> Result<WhatIf, ApiError> {
        let query: Vec<(&str, String)> = agents
            .map(|n| vec![("agents", n.to_string())])
            .unwrap_or_default();
        self.get(
            &format!("{API_PREFIX}/queues/{queue}/what-if"),
            &query,
            true,
        )
        .await
    }
}

fn log<T>(what: &str, r: &Result<T, ApiError>) {
    if let Err(e) = r {
        tracing::warn!(error = %e, "{what} failed");
    }
}

/// Run one live-queue effect as a task; its outcome comes back on `tx`.
pub fn spawn(fx: QueuesEffect, api: &ApiClient, tx: &mpsc::UnboundedSender<Action>) {
    let api = api.clone();
    let tx = tx.clone();
    tokio::spawn(async move {
        let a = match fx {
            QueuesEffect::LoadState { id } => {
                let r = api.my_state().await;
                log("agent state", &r);
                QueuesAction::StateLoaded(id, r)
            }
            QueuesEffect::SetState { id, state } => {
                let r = api.set_state(state).await;
                log("state change", &r);
                QueuesAction::StateLoaded(id, r)
            }
            QueuesEffect::EndCall { id, call_id } => {
                let r = api.end_call(&call_id).await;
                log("end call", &r);
                QueuesAction::CallEnded(id, r)
            }
            QueuesEffect::LookupCaller { id, number } => {
                let r = api.by_phone(&number).await;
                log("caller lookup", &r);
                QueuesAction::CallerFound(id, r)
            }
            QueuesEffect::LoadQueues { id } => {
                let r = api.queues().await;
                log("queues", &r);
                QueuesAction::QueuesLoaded(id, r)
            }
            QueuesEffect::LoadDesk { id } => {
                let r = api.desk().await.map(Box::new);
                log("desk", &r);
                QueuesAction::DeskLoaded(id, r)
            }
            QueuesEffect::LoadApprovals { id } => {
                let r = api.approvals().await;
                log("approvals", &r);
                QueuesAction::ApprovalsLoaded(id, r)
            }
            QueuesEffect::LoadAtRisk { id } => {
                let r = api.at_risk().await;
                log("complaints at risk", &r);
                QueuesAction::AtRiskLoaded(id, r)
            }
            QueuesEffect::WhatIf { id, queue, agents } => {
                let r = api.what_if(queue, agents).await;
                log("what-if", &r);
                QueuesAction::WhatIfLoaded(id, r)
            }
        };
        let _ = tx.send(Action::Queues(Box::new(a)));
    });
}
