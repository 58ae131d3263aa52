-- Recording (PostgreSQL; see migrations/sqlite/0002_recording.sql): interactions written by agents, the complaint lifecycle with its
-- clocks, service-recovery actions with approval limits, idempotent creates,
-- the durable event log behind GET /v1/events, and the append-only audit
-- trail.

-- ------------------------------------------------------------ taxonomy

-- Reasons for contact an agent picks from (GET /v1/taxonomy). `channels` is
-- a space-separated list of channel codes the reason is offered on.
CREATE TABLE contact_reasons (
    code      TEXT    PRIMARY KEY,
    label     TEXT    NOT NULL UNIQUE,
    grp       TEXT    NOT NULL,
    channels  TEXT    NOT NULL,
    position  BIGINT  NOT NULL,
    active    BOOLEAN NOT NULL DEFAULT TRUE
);

INSERT INTO contact_reasons (code, label, grp, channels, position) VALUES
    ('billing_query',        'Billing query',          'Billing',   'call chat email store', 1),
    ('payment_arrangement',  'Payment arrangement',    'Billing',   'call email', 2),
    ('roaming_charges',      'Roaming charges',        'Billing',   'call chat email sms', 3),
    ('returns_refunds',      'Returns and refunds',    'Orders',    'call chat email store web', 4),
    ('delivery_status',      'Delivery status',        'Orders',    'call chat email sms web', 5),
    ('upgrade_enquiry',      'Upgrade enquiry',        'Sales',     'call chat store web', 6),
    ('product_advice',       'Product advice',         'Sales',     'call chat store web', 7),
    ('contract_renewal',     'Contract renewal',       'Retention', 'call chat email store', 8),
    ('cancellation_request', 'Cancellation request',   'Retention', 'call chat email', 9),
    ('technical_fault',      'Technical fault',        'Support',   'call chat email store', 10),
    ('broadband_outage',     'Broadband outage',       'Support',   'call chat sms social', 11),
    ('account_access',       'Account access',         'Account',   'call chat email web', 12),
    ('number_porting',       'Number porting',         'Account',   'call chat store', 13),
    ('lost_stolen_device',   'Lost or stolen device',  'Account',   'call chat store', 14),
    ('store_appointment',    'Store appointment',      'Account',   'call store web', 15),
    ('complaint',            'Complaint',              'Service',   'call chat email sms social store web', 16),
    ('satisfaction_followup','Satisfaction follow-up', 'Service',   'call email sms', 17),
    ('social_mention',       'Social media mention',   'Service',   'social', 18),
    ('general_enquiry',      'General enquiry',        'Service',   'call chat email sms social store web', 19);

-- Outcomes an agent records (GET /v1/taxonomy).
CREATE TABLE contact_outcomes (
    code      TEXT    PRIMARY KEY,
    label     TEXT    NOT NULL UNIQUE,
    position  BIGINT  NOT NULL
);

INSERT INTO contact_outcomes (code, label, position) VALUES
    ('resolved',          'Resolved', 1),
    ('information_given', 'Information given', 2),
    ('follow_up',         'Follow-up needed', 3),
    ('escalated',         'Escalated', 4),
    ('complaint_opened',  'Complaint opened', 5),
    ('transferred',       'Transferred', 6),
    ('order_placed',      'Order placed', 7),
    ('no_answer',         'No answer', 8);

-- Complaint categories (GET /v1/taxonomy).
CREATE TABLE complaint_categories (
    label     TEXT    PRIMARY KEY,
    position  BIGINT  NOT NULL
);

INSERT INTO complaint_categories (label, position) VALUES
    ('Billing error', 1), ('Network coverage', 2), ('Device fault', 3),
    ('Delivery delay', 4), ('Mis-selling', 5), ('Staff conduct', 6),
    ('Broadband speed', 7), ('Other', 8);

-- ------------------------------------------------------------ interactions

ALTER TABLE interactions ADD COLUMN sentiment TEXT
    CHECK (sentiment IN ('very_negative', 'negative', 'neutral', 'positive', 'very_positive'));
ALTER TABLE interactions ADD COLUMN follow_up_on TEXT;
ALTER TABLE interactions ADD COLUMN complaint_id BIGINT  REFERENCES complaints (id) ON DELETE SET NULL;
-- When the row was written (seeded history has none).
ALTER TABLE interactions ADD COLUMN recorded_at BIGINT;

-- ------------------------------------------------------------ complaints

-- Internal SLA per severity, in hours from receipt (configurable with
-- `rapport-server policy sla`).
CREATE TABLE sla_policies (
    severity  TEXT    PRIMARY KEY CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    hours     BIGINT  NOT NULL CHECK (hours > 0)
);

INSERT INTO sla_policies (severity, hours) VALUES
    ('critical', 4), ('high', 24), ('medium', 72), ('low', 120);

-- Close of the third business day after receipt (UK FCA DISP summary
-- resolution), filled for new complaints.
ALTER TABLE complaints ADD COLUMN summary_due_at BIGINT;
ALTER TABLE complaints ADD COLUMN resolution_note TEXT;
ALTER TABLE complaints ADD COLUMN resolved_at BIGINT;
ALTER TABLE complaints ADD COLUMN updated_at BIGINT;
ALTER TABLE complaints ADD COLUMN updated_by BIGINT  REFERENCES agents (id) ON DELETE SET NULL;

-- Complaints by SLA for the "about to breach" lists.
CREATE INDEX complaints_open_due ON complaints (sla_due_at)
    WHERE status NOT IN ('resolved', 'closed');

-- ------------------------------------------------------------ recovery

-- How much one agent may grant without approval, per currency: by role, or
-- for one agent (which then wins). Amounts in minor units. A currency with
-- no row for a role means every money action in it needs approval.
CREATE TABLE approval_limits (
    id                BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    role              TEXT    CHECK (role IN ('agent', 'supervisor', 'admin')),
    agent_id          BIGINT  REFERENCES agents (id) ON DELETE CASCADE,
    currency          TEXT    NOT NULL,
    per_action_minor  BIGINT  NOT NULL CHECK (per_action_minor >= 0),
    per_day_minor     BIGINT  NOT NULL CHECK (per_day_minor >= 0),
    CHECK ((role IS NULL) <> (agent_id IS NULL))
);
CREATE UNIQUE INDEX approval_limits_role ON approval_limits (role, currency) WHERE role IS NOT NULL;
CREATE UNIQUE INDEX approval_limits_agent ON approval_limits (agent_id, currency) WHERE agent_id IS NOT NULL;

INSERT INTO approval_limits (role, currency, per_action_minor, per_day_minor) VALUES
    ('agent', 'GBP', 5000, 20000),        ('supervisor', 'GBP', 50000, 500000),
    ('agent', 'EUR', 6000, 24000),        ('supervisor', 'EUR', 60000, 600000),
    ('agent', 'USD', 6000, 24000),        ('supervisor', 'USD', 60000, 600000),
    ('agent', 'PLN', 25000, 100000),      ('supervisor', 'PLN', 250000, 2500000),
    ('agent', 'SEK', 70000, 280000),      ('supervisor', 'SEK', 700000, 7000000),
    ('admin', 'GBP', 1000000, 10000000),  ('admin', 'EUR', 1200000, 12000000),
    ('admin', 'USD', 1200000, 12000000),  ('admin', 'PLN', 5000000, 50000000),
    ('admin', 'SEK', 14000000, 140000000);

CREATE TABLE recovery_actions (
    id               BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    complaint_id     BIGINT  NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    customer_id      BIGINT  NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL CHECK (kind IN ('apology', 'refund', 'account_credit',
                         'voucher', 'replacement', 'expedited_delivery', 'fee_waiver',
                         'callback', 'escalation')),
    amount_minor     BIGINT  CHECK (amount_minor IS NULL OR amount_minor > 0),
    currency         TEXT,
    note             TEXT    NOT NULL DEFAULT '',
    due_at           BIGINT,
    status           TEXT    NOT NULL CHECK (status IN ('pending_approval', 'done', 'rejected')),
    -- Why it waits: which limit it is over, in words.
    approval_reason  TEXT,
    requested_by     BIGINT  NOT NULL REFERENCES agents (id),
    requested_at     BIGINT  NOT NULL,
    decided_by       BIGINT  REFERENCES agents (id),
    decided_at       BIGINT,
    decision_note    TEXT,
    -- When it took effect (at once within the limit, or on approval).
    done_at          BIGINT,
    version          BIGINT  NOT NULL DEFAULT 1,
    CHECK ((amount_minor IS NULL) = (currency IS NULL))
);
CREATE INDEX recovery_actions_complaint ON recovery_actions (complaint_id, id);
CREATE INDEX recovery_actions_customer ON recovery_actions (customer_id, done_at);
CREATE INDEX recovery_actions_pending ON recovery_actions (requested_at)
    WHERE status = 'pending_approval';
-- What an agent granted on a day counts against their daily limit.
CREATE INDEX recovery_actions_requester ON recovery_actions (requested_by, done_at);

-- ------------------------------------------------------------ idempotency

-- The first response to each (agent, Idempotency-Key), written in the same
-- transaction as the effect, so a retry after any failure either finds both
-- or neither.
CREATE TABLE idempotency_keys (
    agent_id     BIGINT  NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    -- Method, path and SHA-256 of the body the key was first used with.
    fingerprint  TEXT    NOT NULL,
    status       BIGINT  NOT NULL,
    body         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (agent_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- ------------------------------------------------------------ events

-- What happened, in commit order, for GET /v1/events (server-sent events,
-- resumable with Last-Event-ID). Old rows are pruned; a client asking to
-- resume from before the oldest kept row is told to resync.
CREATE TABLE events (
    id           BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at           BIGINT  NOT NULL,
    kind         TEXT    NOT NULL,
    customer_id  BIGINT,
    agent_id     BIGINT,
    payload      TEXT    NOT NULL
);

-- ------------------------------------------------------------ audit

-- Every write: who, when, what, and the record before and after (JSON).
-- Append-only: the triggers refuse any change or removal.
CREATE TABLE audit_log (
    id           BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at           BIGINT  NOT NULL,
    agent_id     BIGINT  REFERENCES agents (id),
    action       TEXT    NOT NULL,
    entity       TEXT    NOT NULL,
    entity_id    BIGINT  NOT NULL,
    customer_id  BIGINT,
    before       TEXT,
    after        TEXT,
    request_key  TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
