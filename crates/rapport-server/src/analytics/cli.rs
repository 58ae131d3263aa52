//! `rapport-server analytics …`: recompute the figures from the command
//! line.

use chrono::NaiveDate;
use clap::Subcommand;

use super::SettingsArgs;
use super::live::Analytics;
use crate::Db;

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date in the form YYYY-MM-DD"))
}

#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// Recompute every customer's figures (segment, RFM, CLV, profit
    /// potential, NPS, churn red flags, suggestions) and the population
    /// figures (rules, the 80/20 view, NPS by segment and team). A running
    /// server picks them up at its next one-customer update or restart.
    Refresh {
        /// Database URL: sqlite://PATH.
        #[arg(long, env = "RAPPORT_DATABASE", value_name = "URL")]
        database: String,
        /// Compute as of this day (YYYY-MM-DD) instead of today; orders
        /// after it are left out.
        #[arg(long, env = "RAPPORT_AS_OF", value_name = "DATE", value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

pub async fn run(cmd: AnalyticsCommand) -> anyhow::Result<()> {
    match cmd {
        AnalyticsCommand::Refresh {
            database,
            as_of,
            settings,
        } => {
            let db = Db::connect(&database).await?;
            let a = Analytics::new(db.clone(), settings.settings(None), as_of);
            let r = a.refresh().await?;
            db.close().await;
            eprintln!(
                "refreshed {} customers ({} with a purchase; {} orders, {} lines) as of {}: \
                 {} rules, {} suggestions, in {:.1} s (read {:.1} s, compute {:.1} s, write {:.1} s)",
                r.customers,
                r.with_purchase,
                r.orders,
                r.lines,
                a.as_of(),
                r.rules_active,
                r.suggestions,
                r.total_secs,
                r.read_secs,
                r.compute_secs,
                r.write_secs
            );
            Ok(())
        }
    }
}
