//! Customer analytics on the wire: the figures of one customer (segment,
//! RFM scores, lifetime value with its inputs, future profit potential, NPS,
//! churn red flags with their reasons, profit decile), the cross-sell and
//! up-sell suggestions with their rationale, the agent's response to one,
//! order intake, and the supervisors' insights (the 80/20 view, NPS by
//! segment and team, rules with their conversion).
//!
//! Every figure is defined in DOMAIN.md; the definitions the client shows
//! when asked to explain a figure are [`Figure::definition`], so there is
//! one text for both ends. Money is integer minor units in the customer's
//! currency; ratios are fractions (0.34 is 34 %).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AgentRef, Channel, CustomerId};

// ---------------------------------------------------------------- segments

/// The named RFM segments (DOMAIN.md "RFM segmentation"). Which score
/// triple lands in which segment is one table in the server
/// (`analytics::rfm::SEGMENT_GRID`), documented in its README.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    Champions,
    Loyal,
    PotentialLoyalist,
    New,
    Promising,
    NeedsAttention,
    AboutToSleep,
    AtRisk,
    CantLoseThem,
    Hibernating,
    Lost,
}

impl Segment {
    pub const ALL: [Segment; 11] = [
        Segment::Champions,
        Segment::Loyal,
        Segment::PotentialLoyalist,
        Segment::New,
        Segment::Promising,
        Segment::NeedsAttention,
        Segment::AboutToSleep,
        Segment::AtRisk,
        Segment::CantLoseThem,
        Segment::Hibernating,
        Segment::Lost,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Segment::Champions => "Champions",
            Segment::Loyal => "Loyal",
            Segment::PotentialLoyalist => "Potential loyalist",
            Segment::New => "New",
            Segment::Promising => "Promising",
            Segment::NeedsAttention => "Needs attention",
            Segment::AboutToSleep => "About to sleep",
            Segment::AtRisk => "At risk",
            Segment::CantLoseThem => "Can't lose them",
            Segment::Hibernating => "Hibernating",
            Segment::Lost => "Lost",
        }
    }

    /// What the segment means, in a sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Segment::Champions => "bought recently, buy often and spend the most",
            Segment::Loyal => "buy regularly and spend well",
            Segment::PotentialLoyalist => "recent customers buying more than once",
            Segment::New => "bought recently, but little so far",
            Segment::Promising => "fairly recent, little spend yet",
            Segment::NeedsAttention => "middling on every score, slipping",
            Segment::AboutToSleep => "below average recency and spend",
            Segment::AtRisk => "used to buy often and spend well, not lately",
            Segment::CantLoseThem => "big spenders who have not come back for a long time",
            Segment::Hibernating => "long gone, bought little",
            Segment::Lost => "lowest recency, frequency and spend",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::Loyal => "loyal",
            Segment::PotentialLoyalist => "potential_loyalist",
            Segment::New => "new",
            Segment::Promising => "promising",
            Segment::NeedsAttention => "needs_attention",
            Segment::AboutToSleep => "about_to_sleep",
            Segment::AtRisk => "at_risk",
            Segment::CantLoseThem => "cant_lose_them",
            Segment::Hibernating => "hibernating",
            Segment::Lost => "lost",
        }
    }

    pub fn from_code(s: &str) -> Option<Segment> {
        Segment::ALL.into_iter().find(|x| x.code() == s)
    }
}

// ---------------------------------------------------------------- one customer

/// RFM: the raw values over the 365 days to `as_of` and their quintile
/// scores (1–5, 5 best): recency among customers with a purchase,
/// frequency and monetary among the active ones (F 1, M 1 otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Rfm {
    /// Days since the last purchase day (lower is better).
    pub recency_days: i64,
    /// Orders in the last 365 days.
    pub orders_365: i64,
    /// Spend in the last 365 days.
    pub spend_365_minor: i64,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub segment: Segment,
}

/// Where the retention rate of a CLV comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionBasis {
    /// The customer's segment.
    Segment,
    /// Every customer with a purchase: the segment had no members one
    /// period (365 days) before the analysis date.
    AllCustomers,
}

/// Customer lifetime value by the simple retention model,
/// `CLV = GC × r / (1 + d − r)`, with every input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Clv {
    pub value_minor: i64,
    /// Expected annual gross contribution: `aov × orders_per_year × margin`.
    pub gc_minor: i64,
    /// Average order value: lifetime spend ÷ orders.
    pub aov_minor: i64,
    /// Orders ÷ years since the first purchase (at least one year).
    pub orders_per_year: f64,
    /// Gross margin of what the customer bought, weighted by spend
    /// (unrounded profit ÷ spend).
    pub margin: f64,
    /// Retention rate `r`, estimated outside the window that defines the
    /// group: of the customers who were in the basis (the segment, scored
    /// from the data up to `retention_as_of`), the share who bought in the
    /// 365 days after it (to the analysis date).
    pub retention: f64,
    pub retention_basis: RetentionBasis,
    /// Members of the basis as of `retention_as_of` (n), and how many of
    /// them bought in the following 365 days (`r` is their ratio).
    pub retention_previous_buyers: i64,
    pub retention_retained: i64,
    /// The day the basis was scored at: 365 days before the analysis date.
    #[serde(default)]
    pub retention_as_of: NaiveDate,
    /// Discount rate `d` (server setting).
    pub discount_rate: f64,
}

/// The fitted BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader &
/// Hardie 2013) parameters of a refresh, time in weeks, money in minor
/// units of the currency fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BtydParams {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    /// Customers the BG/NBD model was fitted on (everyone with a purchase).
    pub customers: i64,
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
    /// Customers the Gamma-Gamma model was fitted on (repeat purchases of
    /// positive mean value, in `currency`).
    pub repeat_buyers: i64,
    pub currency: String,
}

/// Customer lifetime value from the fitted models: the expected purchases
/// of each of the next `horizon_years` years (BG/NBD), year `k` discounted
/// by `(1 + d)^k`, × the expected spend per purchase (Gamma-Gamma) × the
/// margin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelClv {
    pub value_minor: i64,
    /// Repeat purchase days `x`, weeks from the first to the last `t_x`,
    /// weeks from the first to the analysis date `T`.
    pub x: i64,
    pub t_x_weeks: f64,
    pub t_weeks: f64,
    /// P(alive | x, t_x, T).
    pub p_alive: f64,
    /// Expected purchases in the next 52 weeks.
    pub expected_purchases_12m: f64,
    /// Expected purchases over the whole horizon, discounted.
    pub discounted_purchases: f64,
    /// Expected spend per purchase.
    pub expected_spend_minor: i64,
    pub margin: f64,
    pub discount_rate: f64,
    pub horizon_years: u32,
    pub params: BtydParams,
}

/// Future profit potential = actual + potential + unrealised value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProfitPotential {
    /// The relationship as it stands: the CLV.
    pub actual_minor: i64,
    /// Cross-sell and up-sell headroom: the sum of the expected values of
    /// the suggestions open for the customer (0 without marketing consent).
    pub potential_minor: i64,
    /// Lapsed gross profit that could be won back: the previous 12 months'
    /// gross profit less the latest 12 months', when positive.
    pub unrealised_minor: i64,
    pub total_minor: i64,
}

/// Promoter 9–10, passive 7–8, detractor 0–6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NpsCategory {
    Promoter,
    Passive,
    Detractor,
}

impl NpsCategory {
    /// The category of a 0–10 answer.
    pub fn of(score: i64) -> NpsCategory {
        match score {
            9.. => NpsCategory::Promoter,
            7..=8 => NpsCategory::Passive,
            _ => NpsCategory::Detractor,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NpsCategory::Promoter => "promoter",
            NpsCategory::Passive => "passive",
            NpsCategory::Detractor => "detractor",
        }
    }
}

/// The customer's latest NPS answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NpsAnswer {
    pub score: i64,
    pub answered_on: NaiveDate,
    pub category: NpsCategory,
}

/// Which early-warning sign fired (DOMAIN.md "Churn risk").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChurnSignal {
    /// Purchases in the last 90 days well below the customer's own rate.
    FewerPurchases,
    /// Contacts in the last 30 days well above the customer's own rate.
    MoreContacts,
    /// An open complaint.
    OpenComplaint,
    /// An open complaint past its SLA.
    BreachedComplaint,
    /// A complaint resolved after its SLA in the last 90 days.
    RecentlyBreached,
    /// The latest NPS answer, in the window, is a detractor's.
    Detractor,
    /// Longer since the last purchase than twice the usual gap.
    Overdue,
    /// Relationship stage "dissolution".
    Dissolution,
}

/// One reason a churn score is what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChurnReason {
    pub signal: ChurnSignal,
    /// Points this reason adds to the score.
    pub points: u8,
    /// In words, with the figures: "4 contacts in 30 days vs 0.6 usual".
    pub text: String,
}

/// Churn risk 0–100 and every reason that fired (none: score 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChurnRisk {
    pub score: u8,
    pub reasons: Vec<ChurnReason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// A related category the customer does not own.
    CrossSell,
    /// The next tier of a product line the customer owns.
    UpSell,
}

/// A cross-sell or up-sell suggestion with the rule behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    /// Stable across refreshes: the same rule for the same customer keeps
    /// its id. Answer it with `POST /v1/suggestions/{id}/response`.
    pub id: i64,
    pub kind: SuggestionKind,
    pub rule_id: i64,
    /// What to offer: a category (cross-sell) or a product (up-sell).
    pub offer: String,
    /// What the customer owns that the rule starts from.
    pub because: String,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
    /// Expected value: confidence × the consequent's gross margin.
    pub expected_value_minor: i64,
    /// The consequent's average gross margin per purchase.
    pub margin_minor: i64,
    pub currency: String,
    /// "bought Roaming packs; 34% of Roaming packs buyers also buy Travel
    /// insurance, lift 3.1".
    pub rationale: String,
}

/// Everything computed for one customer, in the customer view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerAnalytics {
    pub customer_id: CustomerId,
    /// The analysis date the figures are computed for.
    pub as_of: NaiveDate,
    /// When they were computed (by the refresh job, or at once after a
    /// change to this customer's data).
    pub computed_at: DateTime<Utc>,
    pub currency: String,
    /// None: no purchase yet, so no scores.
    pub rfm: Option<Rfm>,
    pub clv: Option<Clv>,
    /// The model-based CLV (None when the models could not be fitted, or
    /// without a purchase).
    #[serde(default)]
    pub model_clv: Option<ModelClv>,
    pub potential: ProfitPotential,
    pub nps: Option<NpsAnswer>,
    pub churn: ChurnRisk,
    /// Gross profit of the last 365 days (spend × product margins).
    pub profit_365_minor: i64,
    /// 1 = the top tenth of customers of this currency by that profit:
    /// `ceil(10 k / n)` with `k` of the `n` who ever bought matching or
    /// beating it.
    pub profit_decile: Option<u8>,
    /// Suggestions open for this customer, best first; always empty when
    /// marketing is not allowed.
    pub suggestions: Vec<Suggestion>,
    /// False when the customer gave no marketing consent or asked not to be
    /// contacted: nothing is offered.
    pub marketing_allowed: bool,
}

// ---------------------------------------------------------------- explaining

/// A figure the client can explain (definition from DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Clv,
    Segment,
    Potential,
    Nps,
    Churn,
    Decile,
    Summary,
    Suggestions,
}

impl Figure {
    pub const ALL: [Figure; 8] = [
        Figure::Clv,
        Figure::Segment,
        Figure::Potential,
        Figure::Nps,
        Figure::Churn,
        Figure::Decile,
        Figure::Summary,
        Figure::Suggestions,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Figure::Clv => "Customer lifetime value (CLV)",
            Figure::Segment => "RFM segment",
            Figure::Potential => "Future profit potential",
            Figure::Nps => "Net Promoter Score",
            Figure::Churn => "Churn risk",
            Figure::Decile => "Profit decile (80/20)",
            Figure::Summary => "Purchase summary",
            Figure::Suggestions => "Cross-sell and up-sell suggestions",
        }
    }

    /// The definition, as DOMAIN.md gives it.
    pub fn definition(self) -> &'static [&'static str] {
        match self {
            Figure::Clv => &[
                "CLV = GC × r / (1 + d − r), the simple retention model.",
                "GC: expected annual gross contribution = average order value × orders per year × gross margin.",
                "r: retention rate of the customer's segment, estimated outside the window that defines it: of the customers in that segment 365 days ago (scored from the data up to then), the share who bought in the 365 days since.",
                "d: discount rate (server setting, default 0.10).",
                "Model-based CLV: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie 2013) fitted by maximum likelihood at each refresh; expected purchases of each of the next 10 years, year k discounted by (1 + d)^k, × expected spend per purchase × margin.",
            ],
            Figure::Segment => &[
                "Recency: days since the last purchase (lower is better). Frequency: orders in the last 365 days. Monetary: spend in the last 365 days.",
                "Recency is scored among everyone who ever bought; frequency and monetary among the active (a purchase in the last 365 days), the others score F 1 and M 1.",
                "Score = 6 − ceil(5 k / n), k being how many of the n match or beat the value: ties fall to the worse score (money is ranked within one currency).",
                "The recency score and the rounded mean of the frequency and monetary scores pick the named segment.",
            ],
            Figure::Potential => &[
                "Future profit potential = actual value + potential value + unrealised value.",
                "Actual: the CLV. Potential: the expected value of the open cross-sell and up-sell suggestions. Unrealised: gross profit of the previous 12 months not repeated in the latest 12 (lapsed spend that could be won back).",
            ],
            Figure::Nps => &[
                "An answer of 0 to 10: promoter 9–10, passive 7–8, detractor 0–6.",
                "NPS = % promoters − % detractors over a stated window, from −100 to +100. CSAT: % of answers 4–5 on a 1–5 scale.",
            ],
            Figure::Churn => &[
                "Early-warning signs of attrition, each shown as a reason when it fires: fewer purchases in the last 90 days than usual, more contacts in the last 30 days than usual, open or recently breached complaints, a detractor NPS answer, longer since the last purchase than the usual gap, the dissolution stage.",
                "The score (0–100) is the sum of the points of the reasons that fired, at most 100; a score is never shown without its reasons.",
            ],
            Figure::Decile => &[
                "Everyone of one currency who ever bought, ranked by gross profit over the last 365 days (spend × product margin).",
                "Decile = ceil(10 k / n), k being how many of the n match or beat the customer's profit: ties fall to the worse decile, so decile 1 (the top tenth) is never more than a tenth of customers.",
                "The 80/20 view: the share of that profit from the top 20 % by rank (typically about 80 %).",
            ],
            Figure::Summary => &[
                "All orders of one calendar day are one purchase, valued at their sum.",
                "Frequency = purchase days − 1; recency = days from the first to the last purchase day; T = days from the first purchase day to the analysis date; monetary = mean value of the repeat purchase days.",
            ],
            Figure::Suggestions => &[
                "Association rules over order baskets at category level: support(X→Y) = share of baskets with X and Y; confidence = support(X and Y) / support(X); lift = confidence / support(Y).",
                "A suggestion is a rule whose X the customer owns and whose Y they do not, or the next tier of a product line they own; ranked by expected value = confidence × the offer's gross margin.",
                "Only for customers who consented to marketing and did not ask not to be contacted.",
            ],
        }
    }
}

// ---------------------------------------------------------------- responses

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionAnswer {
    Accepted,
    Declined,
    NotNow,
}

impl SuggestionAnswer {
    pub const ALL: [SuggestionAnswer; 3] = [
        SuggestionAnswer::Accepted,
        SuggestionAnswer::Declined,
        SuggestionAnswer::NotNow,
    ];
    pub fn code(self) -> &'static str {
        match self {
            SuggestionAnswer::Accepted => "accepted",
            SuggestionAnswer::Declined => "declined",
            SuggestionAnswer::NotNow => "not_now",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SuggestionAnswer::Accepted => "accepted",
            SuggestionAnswer::Declined => "declined",
            SuggestionAnswer::NotNow => "not now",
        }
    }
}

/// `POST /v1/suggestions/{id}/response` (with an `Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSuggestionResponse {
    pub response: SuggestionAnswer,
    #[serde(default)]
    pub note: String,
}

/// A recorded response to a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SuggestionResponse {
    pub id: i64,
    pub suggestion_id: i64,
    pub customer_id: CustomerId,
    pub rule_id: i64,
    pub response: SuggestionAnswer,
    pub note: String,
    pub agent: AgentRef,
    pub responded_at: DateTime<Utc>,
}

// ---------------------------------------------------------------- orders

/// One line of `POST /v1/orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrderLine {
    /// A catalogue SKU.
    pub sku: String,
    pub quantity: i64,
    /// Price of one, in the customer's currency; the catalogue price when
    /// absent (only when the catalogue prices it in that currency).
    #[serde(default)]
    pub unit_price_minor: Option<i64>,
}

/// `POST /v1/orders` (with an `Idempotency-Key`): an order placed, from the
/// shop or the telephony desk. The customer's figures are recomputed at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub lines: Vec<NewOrderLine>,
    /// When it was placed; the server's clock when absent.
    #[serde(default)]
    pub placed_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------- insights

/// One tenth of the customers of a currency, ranked by 12-month profit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Decile {
    /// 1 = the top tenth.
    pub decile: u8,
    pub customers: i64,
    pub profit_minor: i64,
    /// Share of the currency's total profit.
    pub share: f64,
}

/// The 80/20 view of one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pareto {
    pub currency: String,
    /// Customers with a purchase, ranked.
    pub customers: i64,
    pub profit_minor: i64,
    pub deciles: Vec<Decile>,
    /// Share of profit from the top 20 % of customers.
    pub top20_share: f64,
}

/// NPS (and CSAT) of one group over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NpsGroup {
    /// A segment's label, a team's name, or "All customers".
    pub group: String,
    pub answers: i64,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    /// % promoters − % detractors; None without answers.
    pub nps: Option<f64>,
    pub csat_answers: i64,
    /// % of CSAT answers 4–5; None without answers.
    pub csat: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NpsBreakdown {
    pub window_days: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub overall: NpsGroup,
    /// By the customer's current segment.
    pub by_segment: Vec<NpsGroup>,
    /// By the team of the agent who handled the contact surveyed (answers
    /// not tied to a contact are left out).
    pub by_team: Vec<NpsGroup>,
}

/// A rule and what agents made of its suggestions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RuleStats {
    pub id: i64,
    pub kind: SuggestionKind,
    pub antecedent: String,
    pub consequent: String,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
    /// True while it passes the thresholds (rules that stop passing are
    /// kept so their results stay visible).
    pub active: bool,
    /// Customers it is offered to now.
    pub open_suggestions: i64,
    pub accepted: i64,
    pub declined: i64,
    pub not_now: i64,
    /// accepted ÷ all responses; None before the first response.
    pub conversion: Option<f64>,
}

/// Retention per segment, as CLV uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SegmentStats {
    pub segment: Segment,
    /// Customers in the segment now.
    pub customers: i64,
    /// Customers in the segment 365 days before the analysis date (scored
    /// from the data up to then), and how many of them bought in the 365
    /// days since.
    pub previous_buyers: i64,
    pub retained: i64,
    /// retained ÷ previous buyers; None when the segment had nobody then.
    pub retention: Option<f64>,
}

/// The thresholds and rates a refresh used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnalyticsSettings {
    pub discount_rate: f64,
    pub min_support: f64,
    pub min_confidence: f64,
    pub min_lift: f64,
    pub nps_window_days: i64,
    pub default_margin: f64,
}

/// `GET /v1/analytics/insights`: what a supervisor looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Insights {
    pub as_of: NaiveDate,
    /// When the refresh these figures come from finished.
    pub computed_at: DateTime<Utc>,
    pub customers: i64,
    pub settings: AnalyticsSettings,
    pub pareto: Vec<Pareto>,
    pub nps: NpsBreakdown,
    pub segments: Vec<SegmentStats>,
    pub rules: Vec<RuleStats>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_categories_follow_the_definition() {
        for (score, cat) in [
            (0, NpsCategory::Detractor),
            (6, NpsCategory::Detractor),
            (7, NpsCategory::Passive),
            (8, NpsCategory::Passive),
            (9, NpsCategory::Promoter),
            (10, NpsCategory::Promoter),
        ] {
            assert_eq!(NpsCategory::of(score), cat, "{score}");
        }
    }

    #[test]
    fn segment_codes_round_trip_and_match_serde() {
        for s in Segment::ALL {
            assert_eq!(Segment::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        for a in SuggestionAnswer::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.code());
        }
    }
}
