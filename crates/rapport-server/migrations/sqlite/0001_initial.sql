-- Rapport reference schema.
--
-- Instants are INTEGER seconds since the Unix epoch (UTC); calendar dates are
-- TEXT 'YYYY-MM-DD'; money is INTEGER minor units with an ISO 4217 code beside
-- it. Enumerations are lower-case TEXT guarded by CHECK constraints. The SQL
-- stays within what PostgreSQL also accepts, except the FTS5 search tables at
-- the end, which are SQLite's own.

CREATE TABLE agents (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    role        TEXT    NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    team        TEXT,
    created_at  INTEGER NOT NULL
);

-- Bearer tokens are stored as the hex SHA-256 of the token; the token itself
-- is shown once, when issued.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    token_sha256  TEXT    NOT NULL UNIQUE,
    agent_id      INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    label         TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX api_tokens_agent ON api_tokens (agent_id, label);

CREATE TABLE customers (
    id              INTEGER PRIMARY KEY,
    account_number  TEXT    NOT NULL UNIQUE,
    given_name      TEXT    NOT NULL,
    family_name     TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    -- Folded name tokens, sorted and space-joined: the key of an exact name match.
    name_key        TEXT    NOT NULL,
    address_line1   TEXT    NOT NULL,
    address_line2   TEXT,
    city            TEXT    NOT NULL,
    region          TEXT,
    postcode        TEXT    NOT NULL,
    country         TEXT    NOT NULL,
    birthday        TEXT,
    customer_since  TEXT    NOT NULL,
    tier            TEXT    NOT NULL CHECK (tier IN ('standard', 'silver', 'gold', 'platinum')),
    stage           TEXT    NOT NULL CHECK (stage IN ('awareness', 'exploration', 'expansion', 'commitment', 'dissolution')),
    currency        TEXT    NOT NULL,
    -- Ground truth from the demo-data generator: this customer's activity was
    -- made to decline in the final year. Used to evaluate churn scoring; never
    -- served over the API.
    declining       INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX customers_name_key ON customers (name_key);

CREATE TABLE customer_phones (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    e164         TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('mobile', 'home', 'work')),
    -- E.164 digits without '+', the national significant number (without the
    -- country code), and the digits reversed (for "ends with" lookups).
    digits       TEXT    NOT NULL,
    national     TEXT    NOT NULL,
    digits_rev   TEXT    NOT NULL
);
CREATE INDEX customer_phones_customer ON customer_phones (customer_id, position);
CREATE INDEX customer_phones_digits ON customer_phones (digits);
CREATE INDEX customer_phones_national ON customer_phones (national);
CREATE INDEX customer_phones_rev ON customer_phones (digits_rev);

CREATE TABLE customer_emails (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    email        TEXT    NOT NULL,
    email_norm   TEXT    NOT NULL
);
CREATE INDEX customer_emails_customer ON customer_emails (customer_id, position);
CREATE INDEX customer_emails_norm ON customer_emails (email_norm);

CREATE TABLE preferences (
    customer_id     INTEGER PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    channel         TEXT    NOT NULL CHECK (channel IN ('call', 'email', 'chat', 'sms', 'social', 'store', 'web')),
    language        TEXT    NOT NULL,
    contact_window  TEXT,
    notes           TEXT    NOT NULL DEFAULT '',
    consent_email   INTEGER NOT NULL DEFAULT 0,
    consent_sms     INTEGER NOT NULL DEFAULT 0,
    consent_phone   INTEGER NOT NULL DEFAULT 0,
    consent_post    INTEGER NOT NULL DEFAULT 0,
    do_not_contact  INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    sku          TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    -- Product line and rank within it (1 = entry level), for up-sell.
    line         TEXT,
    line_tier    INTEGER,
    price_minor  INTEGER NOT NULL,
    currency     TEXT    NOT NULL,
    -- Gross margin as a fraction of the price, 0..1.
    margin       REAL    NOT NULL CHECK (margin >= 0 AND margin <= 1)
);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    placed_at    INTEGER NOT NULL,
    channel      TEXT    NOT NULL CHECK (channel IN ('call', 'email', 'chat', 'sms', 'social', 'store', 'web')),
    currency     TEXT    NOT NULL,
    -- Sum of the lines' quantity x unit price, and of their quantities; kept
    -- with the order so value summaries need not touch the lines.
    total_minor  INTEGER NOT NULL,
    item_count   INTEGER NOT NULL
);
-- Covers the purchase summary (all of one customer's orders, dated and valued)
-- and the newest-first order list.
CREATE INDEX orders_customer ON orders (customer_id, placed_at, total_minor);

CREATE TABLE order_lines (
    id                INTEGER PRIMARY KEY,
    order_id          INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id        INTEGER NOT NULL REFERENCES products (id),
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor  INTEGER NOT NULL
);
CREATE INDEX order_lines_order ON order_lines (order_id, product_id);

CREATE TABLE interactions (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    channel      TEXT    NOT NULL CHECK (channel IN ('call', 'email', 'chat', 'sms', 'social', 'store', 'web')),
    direction    TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    reason       TEXT    NOT NULL,
    notes        TEXT    NOT NULL DEFAULT '',
    outcome      TEXT    NOT NULL,
    agent_id     INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER
);
-- History newest first, all channels or one: keyset paging on (started_at, id).
CREATE INDEX interactions_customer ON interactions (customer_id, started_at, id);
CREATE INDEX interactions_customer_channel ON interactions (customer_id, channel, started_at, id);

CREATE TABLE complaints (
    id                     INTEGER PRIMARY KEY,
    customer_id            INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    category               TEXT    NOT NULL,
    severity               TEXT    NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status                 TEXT    NOT NULL CHECK (status IN ('received', 'acknowledged', 'investigating', 'response_sent', 'resolved', 'closed')),
    summary                TEXT    NOT NULL,
    remedy_sought          TEXT    NOT NULL DEFAULT '',
    opened_at              INTEGER NOT NULL,
    sla_due_at             INTEGER NOT NULL,
    final_response_due_at  INTEGER,
    owner_id               INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    escalated              INTEGER NOT NULL DEFAULT 0,
    closed_at              INTEGER,
    version                INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX complaints_customer ON complaints (customer_id, opened_at);
-- Open complaints of a customer, soonest SLA first.
CREATE INDEX complaints_customer_open ON complaints (customer_id, sla_due_at)
    WHERE status NOT IN ('resolved', 'closed');

CREATE TABLE survey_answers (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('nps', 'csat')),
    score           INTEGER NOT NULL,
    answered_at     INTEGER NOT NULL,
    interaction_id  INTEGER REFERENCES interactions (id) ON DELETE SET NULL,
    CHECK ((kind = 'nps' AND score BETWEEN 0 AND 10) OR (kind = 'csat' AND score BETWEEN 1 AND 5))
);
CREATE INDEX survey_answers_customer ON survey_answers (customer_id, answered_at);

-- ------------------------------------------------------------------ search
--
-- Every customer has one row (rowid = customer id) in each FTS5 table. The
-- text is folded by the server (lower case, diacritics removed, ß -> ss, ...)
-- before it is indexed, and queries are folded the same way.

-- Word-prefix matches on name tokens ("ann" -> Ann, Anna, Annika).
CREATE VIRTUAL TABLE search_words USING fts5 (
    name,
    content = '',
    contentless_delete = 1,
    detail = 'none',
    prefix = '1 2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Substring matches (three characters or more) on name, phone digits, emails.
CREATE VIRTUAL TABLE search_trigram USING fts5 (
    name,
    phone,
    email,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram remove_diacritics 1'
);

-- Distinct name tokens with the number of customers using each: the typo
-- corrector's vocabulary, loaded into memory at start-up.
CREATE TABLE name_tokens (
    token      TEXT    PRIMARY KEY,
    customers  INTEGER NOT NULL
) WITHOUT ROWID;
