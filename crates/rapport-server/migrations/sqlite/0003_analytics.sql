-- Analytics: the figures computed for each customer (by the refresh job,
-- and again for one customer as soon as their data changes), the rules that
-- suggestions come from, the suggestions, the agents' responses to them,
-- the record of every refresh, and the record of every import.

-- ------------------------------------------------------------ imports

-- The customer's id in the system they were imported from, so imported
-- transactions, interactions and survey answers can name them.
ALTER TABLE customers ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX customers_external_id ON customers (external_id)
    WHERE external_id IS NOT NULL;

-- One row per committed import: a file whose SHA-256 was imported before
-- is refused unless asked for again.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('customers', 'transactions', 'interactions', 'surveys')),
    file_name    TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    rows_read    INTEGER NOT NULL,
    rows_stored  INTEGER NOT NULL,
    rows_skipped INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL
);
CREATE INDEX imports_sha256 ON imports (kind, sha256);

-- ------------------------------------------------------------ refreshes

-- One row per refresh. `model` holds what the run computed over the whole
-- population (score boundaries, retention per segment, decile boundaries,
-- the 80/20 view, NPS by segment and team, gross margins per category, the
-- settings used), as JSON: one-customer updates between refreshes score
-- against it, and the insights screen reads it.
CREATE TABLE analytics_runs (
    id           INTEGER PRIMARY KEY,
    as_of        TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    customers    INTEGER NOT NULL DEFAULT 0,
    model        TEXT
);

-- ------------------------------------------------------------ figures

-- One row per customer. Money in the customer's currency (minor units);
-- ratios as fractions. `computed_at` is in milliseconds, so a refresh
-- writing rows in chunks can leave alone the rows a one-customer update
-- wrote after the refresh read its data.
CREATE TABLE customer_analytics (
    customer_id       INTEGER PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    as_of             TEXT    NOT NULL,
    computed_at       INTEGER NOT NULL,
    currency          TEXT    NOT NULL,
    -- RFM (NULL without a purchase).
    recency_days      INTEGER,
    orders_365        INTEGER NOT NULL,
    spend_365_minor   INTEGER NOT NULL,
    rfm_r             INTEGER,
    rfm_f             INTEGER,
    rfm_m             INTEGER,
    segment           TEXT,
    -- CLV and its inputs (NULL without a purchase).
    clv_minor         INTEGER,
    gc_minor          INTEGER,
    aov_minor         INTEGER,
    orders_per_year   REAL,
    margin            REAL,
    retention         REAL,
    retention_basis   TEXT CHECK (retention_basis IN ('segment', 'all_customers')),
    retention_previous_buyers INTEGER,
    retention_retained INTEGER,
    discount_rate     REAL,
    -- Future profit potential.
    potential_minor   INTEGER NOT NULL,
    unrealised_minor  INTEGER NOT NULL,
    -- Latest NPS answer.
    nps_score         INTEGER,
    nps_on            TEXT,
    -- Churn risk and its reasons (JSON array of {signal, points, text}).
    churn_score       INTEGER NOT NULL,
    churn_reasons     TEXT    NOT NULL,
    profit_365_minor  INTEGER NOT NULL,
    profit_decile     INTEGER,
    marketing_allowed INTEGER NOT NULL
);
CREATE INDEX customer_analytics_segment ON customer_analytics (segment);
CREATE INDEX customer_analytics_churn ON customer_analytics (churn_score);

-- ------------------------------------------------------------ suggestions

-- Association rules (cross-sell: category X -> category Y over order
-- baskets) and up-sell rules (owns tier N of a product line -> the product
-- of tier N + 1, over customers). A rule keeps its id across refreshes;
-- `active` is whether it passed the thresholds in the latest one. Counts
-- are of baskets (cross-sell) or customers (up-sell).
CREATE TABLE association_rules (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('cross_sell', 'up_sell')),
    antecedent       TEXT    NOT NULL,
    consequent       TEXT    NOT NULL,
    support          REAL    NOT NULL,
    confidence       REAL    NOT NULL,
    lift             REAL    NOT NULL,
    antecedent_count INTEGER NOT NULL,
    consequent_count INTEGER NOT NULL,
    both_count       INTEGER NOT NULL,
    total_count      INTEGER NOT NULL,
    active           INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (kind, antecedent, consequent)
);

-- Suggestions open for each customer, best first, in the customer's
-- currency. The id is rule id x 2^32 + customer id, so a suggestion keeps
-- its id across refreshes (and a response queued on a client still names
-- it). What to offer and why is read from the rule, so a row stays small.
CREATE TABLE suggestions (
    id                    INTEGER PRIMARY KEY,
    customer_id           INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    rule_id               INTEGER NOT NULL REFERENCES association_rules (id),
    rank                  INTEGER NOT NULL,
    expected_value_minor  INTEGER NOT NULL,
    margin_minor          INTEGER NOT NULL
);
CREATE INDEX suggestions_customer ON suggestions (customer_id, rank);
CREATE INDEX suggestions_rule ON suggestions (rule_id);

-- What agents answered. Kept whatever happens to the suggestion, so the
-- conversion of every rule can be judged by results.
CREATE TABLE suggestion_responses (
    id             INTEGER PRIMARY KEY,
    suggestion_id  INTEGER NOT NULL,
    customer_id    INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    rule_id        INTEGER NOT NULL REFERENCES association_rules (id),
    response       TEXT    NOT NULL CHECK (response IN ('accepted', 'declined', 'not_now')),
    note           TEXT    NOT NULL DEFAULT '',
    agent_id       INTEGER NOT NULL REFERENCES agents (id),
    responded_at   INTEGER NOT NULL
);
CREATE INDEX suggestion_responses_customer ON suggestion_responses (customer_id, rule_id, responded_at);
CREATE INDEX suggestion_responses_rule ON suggestion_responses (rule_id, response);
