//! Customer analytics: what each customer is worth, how they are drifting,
//! and what to offer them, computed from their orders, contacts,
//! complaints and survey answers by the definitions of DOMAIN.md.
//!
//! - The formulas are pure functions, each in its own module with worked
//!   examples: [`rfm`] (quintile scores and the segment table), [`value`]
//!   (gross contribution, retention, CLV, deciles), [`nps`], [`churn`]
//!   (red flags with their reasons), [`rules`] (association rules), [`auc`].
//! - [`facts`] reads what the formulas need, for every customer at once or
//!   for one; [`compute`] turns one customer's facts into their figures,
//!   against the population [`compute::Model`] of the latest refresh.
//! - [`refresh`] is the job that recomputes everyone (`rapport-server
//!   analytics refresh`, and on a schedule while serving); [`live`] keeps
//!   one customer's figures current as soon as their data changes, by
//!   following the event log; [`read`] serves the figures in the customer
//!   view and the supervisors' insights; [`responses`] records what agents
//!   answer to suggestions.

pub mod auc;
pub mod btyd;
pub mod churn;
pub mod cli;
pub mod compute;
pub mod facts;
pub mod live;
pub mod nps;
pub mod read;
pub mod refresh;
pub mod responses;
pub mod rfm;
pub mod rules;
pub mod settings;
pub mod store;
pub mod value;

pub use settings::{Settings, SettingsArgs};

/// A suggestion's id: its rule and its customer, so it stays the same from
/// one refresh to the next.
pub fn suggestion_id(rule_id: i64, customer_id: i64) -> i64 {
    (rule_id << 32) | (customer_id & 0xFFFF_FFFF)
}

/// The rule and customer a suggestion id names.
pub fn split_suggestion_id(id: i64) -> (i64, i64) {
    (id >> 32, id & 0xFFFF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestion_ids_name_rule_and_customer() {
        let id = suggestion_id(17, 1_000_000);
        assert_eq!(id, 17 * 4_294_967_296 + 1_000_000);
        assert_eq!(split_suggestion_id(id), (17, 1_000_000));
        // Still an exact number in JSON (below 2^53) for a million rules.
        assert!(suggestion_id(1 << 20, u32::MAX as i64) < (1i64 << 53));
    }
}
