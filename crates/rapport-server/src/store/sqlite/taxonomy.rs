//! Taxonomy on SQLite.

use async_trait::async_trait;

use super::SqliteConn;
use crate::error::Result;
use crate::store::{ReasonRow, TaxonomyStore};

#[async_trait]
impl TaxonomyStore for SqliteConn<'_> {
    async fn reasons(&mut self) -> Result<Vec<ReasonRow>> {
        Ok(sqlx::query_as(
            "SELECT code, label, grp, channels FROM contact_reasons WHERE active = 1 ORDER BY position",
        )
        .fetch_all(self.c())
        .await?)
    }

    async fn outcomes(&mut self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT code, label FROM contact_outcomes ORDER BY position")
                .fetch_all(self.c())
                .await?,
        )
    }

    async fn complaint_categories(&mut self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT label FROM complaint_categories ORDER BY position")
                .fetch_all(self.c())
                .await?,
        )
    }

    async fn sla_policies(&mut self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT severity, hours FROM sla_policies")
            .fetch_all(self.c())
            .await?)
    }

    async fn sla_hours(&mut self, severity: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT hours FROM sla_policies WHERE severity = ?")
                .bind(severity)
                .fetch_optional(self.c())
                .await?,
        )
    }

    async fn set_sla(&mut self, severity: &str, hours: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sla_policies (severity, hours) VALUES (?, ?) \
             ON CONFLICT (severity) DO UPDATE SET hours = excluded.hours",
        )
        .bind(severity)
        .bind(hours)
        .execute(self.c())
        .await?;
        Ok(())
    }

    async fn reason_label(&mut self, given: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT label FROM contact_reasons WHERE active = 1 \
             AND (lower(label) = lower(?1) OR code = lower(?1))",
        )
        .bind(given)
        .fetch_optional(self.c())
        .await?)
    }

    async fn outcome_label(&mut self, given: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT label FROM contact_outcomes WHERE lower(label) = lower(?1) OR code = lower(?1)",
        )
        .bind(given)
        .fetch_optional(self.c())
        .await?)
    }

    async fn category_label(&mut self, given: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT label FROM complaint_categories WHERE lower(label) = lower(?)",
        )
        .bind(given)
        .fetch_optional(self.c())
        .await?)
    }
}
