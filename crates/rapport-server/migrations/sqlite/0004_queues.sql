-- Live queues: queues with their service-level targets and hours, which
-- agents serve which queue, the call log (one row per call leg, written by
-- the telephony hooks and the simulator), agents' current states and the
-- log of every state change. Every figure on the supervisor desk is
-- computed from `calls` and `agent_state_log`.
--
-- Call instants are INTEGER milliseconds since the Unix epoch (UTC): waits
-- and handle times are measured in seconds with fractions, and a figure
-- recomputed from these columns must come out exactly the same.

CREATE TABLE queues (
    id                 INTEGER PRIMARY KEY,
    -- What a telephony system names the queue by in its hooks, e.g. `billing`.
    code               TEXT    NOT NULL UNIQUE,
    name               TEXT    NOT NULL,
    -- Service-level target: sl_target_pct % of calls answered within
    -- sl_threshold_secs seconds (80/20).
    sl_target_pct      INTEGER NOT NULL CHECK (sl_target_pct BETWEEN 1 AND 100),
    sl_threshold_secs  INTEGER NOT NULL CHECK (sl_threshold_secs > 0),
    -- Opening hours in minutes after midnight UTC; 0 and 1440 is all day.
    opens_min          INTEGER NOT NULL DEFAULT 0 CHECK (opens_min BETWEEN 0 AND 1440),
    closes_min         INTEGER NOT NULL DEFAULT 1440 CHECK (closes_min BETWEEN 0 AND 1440),
    -- The supervisor desk raises an alert when the oldest waiting call has
    -- waited longer than this.
    wait_alert_secs    INTEGER NOT NULL DEFAULT 60 CHECK (wait_alert_secs > 0),
    -- The contact reason a wrap-up of this queue's calls starts with.
    reason             TEXT,
    position           INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
);

-- Who takes this queue's calls.
CREATE TABLE queue_agents (
    queue_id  INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    agent_id  INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (queue_id, agent_id)
);
CREATE INDEX queue_agents_agent ON queue_agents (agent_id, queue_id);

-- Agents the simulator plays (beside the real ones, who sign in).
CREATE TABLE simulated_agents (
    agent_id  INTEGER PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE
);

-- One row per call leg. A call moved to another queue before it was
-- answered ends its leg as `transferred` and continues as a new leg (leg
-- + 1, transferred_from set) in the other queue; the telephony system keeps
-- naming it by its own id.
CREATE TABLE calls (
    id                INTEGER PRIMARY KEY,
    -- The telephony system's id of the call (Asterisk's uniqueid, a cloud
    -- contact centre's contact id).
    external_id       TEXT    NOT NULL,
    leg               INTEGER NOT NULL DEFAULT 1,
    queue_id          INTEGER NOT NULL REFERENCES queues (id),
    -- The caller's number as the telephony system gave it.
    caller            TEXT    NOT NULL,
    -- The customer with exactly this number, when there is exactly one.
    customer_id       INTEGER REFERENCES customers (id) ON DELETE SET NULL,
    status            TEXT    NOT NULL CHECK (status IN ('waiting', 'talking', 'wrap_up', 'done', 'abandoned', 'transferred')),
    offered_ms        INTEGER NOT NULL,
    answered_ms       INTEGER,
    ended_ms          INTEGER,
    -- When the agent's after-call work for this call ended.
    wrapped_ms        INTEGER,
    abandoned_ms      INTEGER,
    -- When a waiting call was moved to another queue.
    transferred_ms    INTEGER,
    -- Time the caller spent on hold during the talk, as reported at the end.
    hold_ms           INTEGER NOT NULL DEFAULT 0 CHECK (hold_ms >= 0),
    agent_id          INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    transferred_from  INTEGER REFERENCES calls (id),
    transferred_to    INTEGER REFERENCES calls (id),
    -- The latest of the instants above: the desk reads the calls with
    -- anything in its window through this.
    last_event_ms     INTEGER NOT NULL,
    UNIQUE (external_id, leg)
);
CREATE INDEX calls_last_event ON calls (last_event_ms);
CREATE INDEX calls_offered ON calls (offered_ms);
-- Waiting calls, oldest first, per queue: what routing hands out next.
CREATE INDEX calls_waiting ON calls (queue_id, offered_ms, id) WHERE status = 'waiting';
-- Calls not finished yet (waiting, talking, in wrap-up), however old.
CREATE INDEX calls_active ON calls (id) WHERE status IN ('waiting', 'talking', 'wrap_up');

-- Each agent's state now. An agent without a row is offline.
CREATE TABLE agent_states (
    agent_id  INTEGER PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    state     TEXT    NOT NULL CHECK (state IN ('available', 'on_call', 'after_call_work', 'break', 'offline')),
    -- When the agent entered this state; for `available`, how long they
    -- have been idle (routing picks the longest idle).
    since_ms  INTEGER NOT NULL,
    -- The call being talked on or wrapped up.
    call_id   INTEGER REFERENCES calls (id)
);
CREATE INDEX agent_states_available ON agent_states (since_ms, agent_id) WHERE state = 'available';

-- Every state change, append-only: occupancy and time in state come from it.
CREATE TABLE agent_state_log (
    id        INTEGER PRIMARY KEY,
    agent_id  INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    state     TEXT    NOT NULL CHECK (state IN ('available', 'on_call', 'after_call_work', 'break', 'offline')),
    at_ms     INTEGER NOT NULL,
    call_id   INTEGER REFERENCES calls (id),
    -- The state this change left (NULL: none before, offline), so the
    -- desk knows each agent's state at its window's start from the window.
    previous  TEXT    CHECK (previous IN ('available', 'on_call', 'after_call_work', 'break', 'offline'))
);
CREATE INDEX agent_state_log_agent ON agent_state_log (agent_id, at_ms, id);
CREATE INDEX agent_state_log_at ON agent_state_log (at_ms);

-- First-contact resolution reads the call contacts of a week by date.
CREATE INDEX interactions_channel_started ON interactions (channel, started_at);
