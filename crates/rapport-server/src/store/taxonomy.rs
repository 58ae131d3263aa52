//! What the forms pick from: reasons for contact, outcomes, complaint
//! categories, and the SLA hours per severity.

use async_trait::async_trait;

use crate::error::Result;

/// An active reason for contact as stored: its channels space-separated.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReasonRow {
    pub code: String,
    pub label: String,
    pub grp: String,
    pub channels: String,
}

#[async_trait]
pub trait TaxonomyStore {
    /// Active reasons, in their order.
    async fn reasons(&mut self) -> Result<Vec<ReasonRow>>;
    /// Outcomes (code, label), in their order.
    async fn outcomes(&mut self) -> Result<Vec<(String, String)>>;
    /// Complaint categories, in their order.
    async fn complaint_categories(&mut self) -> Result<Vec<String>>;
    /// (severity code, hours) of every SLA policy.
    async fn sla_policies(&mut self) -> Result<Vec<(String, i64)>>;
    /// The SLA hours of one severity, if it has a policy.
    async fn sla_hours(&mut self, severity: &str) -> Result<Option<i64>>;
    /// Set (insert or replace) the SLA hours of a severity.
    async fn set_sla(&mut self, severity: &str, hours: i64) -> Result<()>;
    /// The label of the active reason whose label (any case) or code is
    /// `given`.
    async fn reason_label(&mut self, given: &str) -> Result<Option<String>>;
    /// The label of the outcome whose label (any case) or code is `given`.
    async fn outcome_label(&mut self, given: &str) -> Result<Option<String>>;
    /// The label of the complaint category `given` names (any case).
    async fn category_label(&mut self, given: &str) -> Result<Option<String>>;
}
