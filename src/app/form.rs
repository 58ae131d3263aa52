//! The forms an agent fills in during a call: record an interaction, open a
//! complaint, move a complaint on, request a recovery action, change
//! preferences and consent.
//!
//! A form is plain state: a list of fields, each with an input (a choice, a
//! pick list filtered as you type, one line of text, multi-line notes, a
//! yes/no), the focus, and what the form is for. Editing is pure; so is
//! turning a filled form into the [`WriteRequest`] the outbox sends and into
//! the [`Draft`] saved while typing. The server validates again; the checks
//! here only spare a round trip and say what is wrong beside the field.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rapport_api::{
    Authority, Channel, Complaint, ComplaintStatus, CustomerId, CustomerView, Direction,
    RecoveryKind, Sentiment, Severity, SlaPolicy, Taxonomy, check_transition,
};
use ratatui_textarea::{TextArea, WrapMode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::write::{WriteKind, WriteMethod, WriteRequest};

/// What a form is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum FormKind {
    Interaction,
    NewComplaint,
    UpdateComplaint {
        complaint_id: i64,
        version: i64,
        status: ComplaintStatus,
    },
    Recovery {
        complaint_id: i64,
    },
    Preferences {
        version: i64,
    },
}

impl FormKind {
    pub fn title(&self) -> String {
        match self {
            FormKind::Interaction => "Record interaction".into(),
            FormKind::NewComplaint => "Open complaint".into(),
            FormKind::UpdateComplaint { complaint_id, .. } => {
                format!("Update complaint #{complaint_id}")
            }
            FormKind::Recovery { complaint_id } => {
                format!("Recovery action on complaint #{complaint_id}")
            }
            FormKind::Preferences { .. } => "Preferences and consent".into(),
        }
    }

    /// One draft per form and customer (and complaint).
    pub fn draft_key(&self, customer: CustomerId) -> String {
        match self {
            FormKind::Interaction => format!("interaction-{customer}"),
            FormKind::NewComplaint => format!("complaint-{customer}"),
            FormKind::UpdateComplaint { complaint_id, .. } => {
                format!("complaint-update-{complaint_id}")
            }
            FormKind::Recovery { complaint_id } => format!("recovery-{complaint_id}"),
            FormKind::Preferences { .. } => format!("preferences-{customer}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub value: String,
    pub label: String,
}

impl Opt {
    fn new(value: impl Into<String>, label: impl Into<String>) -> Opt {
        Opt {
            value: value.into(),
            label: label.into(),
        }
    }
}

/// Multi-line text, edited with `ratatui-textarea`.
#[derive(Clone, Debug)]
pub struct Notes(pub TextArea<'static>);

impl PartialEq for Notes {
    fn eq(&self, other: &Notes) -> bool {
        self.0.lines() == other.0.lines()
            && (self.0.cursor().0, self.0.cursor().1) == (other.0.cursor().0, other.0.cursor().1)
    }
}

impl Notes {
    pub fn new(text: &str) -> Notes {
        let lines: Vec<String> = if text.is_empty() {
            vec![String::new()]
        } else {
            text.split('\n').map(str::to_string).collect()
        };
        let mut t = TextArea::new(lines);
        t.set_wrap_mode(WrapMode::WordOrGlyph);
        t.move_cursor(ratatui_textarea::CursorMove::Bottom);
        t.move_cursor(ratatui_textarea::CursorMove::End);
        Notes(t)
    }
    pub fn text(&self) -> String {
        self.0.lines().join("\n")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A few options, cycled with ←/→ or Space, or by typing a first letter.
    Choice {
        options: Vec<Opt>,
        selected: usize,
    },
    /// Many options, filtered as the agent types.
    Pick {
        options: Vec<Opt>,
        query: String,
        selected: Option<usize>,
        /// The highlighted row of the filtered list.
        cursor: usize,
    },
    /// One line.
    Text {
        value: String,
        /// In characters.
        cursor: usize,
        hint: &'static str,
    },
    Notes(Box<Notes>),
    Toggle(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
}

impl Field {
    fn new(name: &'static str, label: &'static str, input: Input) -> Field {
        Field {
            name,
            label,
            input,
            required: false,
        }
    }
    fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// The value as text: option value, typed text, "true"/"false".
    pub fn value(&self) -> String {
        match &self.input {
            Input::Choice { options, selected } => options
                .get(*selected)
                .map(|o| o.value.clone())
                .unwrap_or_default(),
            Input::Pick {
                options, selected, ..
            } => selected
                .and_then(|i| options.get(i))
                .map(|o| o.value.clone())
                .unwrap_or_default(),
            Input::Text { value, .. } => value.clone(),
            Input::Notes(n) => n.text(),
            Input::Toggle(b) => b.to_string(),
        }
    }

    /// What the field shows when not being edited.
    pub fn display(&self) -> String {
        match &self.input {
            Input::Choice { options, selected } => options
                .get(*selected)
                .map(|o| o.label.clone())
                .unwrap_or_default(),
            Input::Pick {
                options, selected, ..
            } => selected
                .and_then(|i| options.get(i))
                .map(|o| o.label.clone())
                .unwrap_or_default(),
            Input::Text { value, .. } => value.clone(),
            Input::Notes(n) => n.text(),
            Input::Toggle(b) => if *b { "yes" } else { "no" }.to_string(),
        }
    }

    /// Set from text, as saved in a draft; unknown option values are ignored.
    pub fn set_value(&mut self, v: &str) {
        match &mut self.input {
            Input::Choice { options, selected } => {
                if let Some(i) = options.iter().position(|o| o.value == v) {
                    *selected = i;
                }
            }
            Input::Pick {
                options,
                selected,
                query,
                cursor,
            } => {
                *selected = options.iter().position(|o| o.value == v);
                query.clear();
                *cursor = 0;
            }
            Input::Text { value, cursor, .. } => {
                *value = v.to_string();
                *cursor = value.chars().count();
            }
            Input::Notes(n) => **n = Notes::new(v),
            Input::Toggle(b) => *b = v == "true",
        }
    }

    /// Pick list: options matching the query, best first (all when empty).
    pub fn filtered(&self) -> Vec<usize> {
        let Input::Pick { options, query, .. } = &self.input else {
            return Vec::new();
        };
        let q = query.trim();
        if q.is_empty() {
            return (0..options.len()).collect();
        }
        let mut scored: Vec<(i64, usize)> = options
            .iter()
            .enumerate()
            .filter_map(|(i, o)| crate::fuzzy::score(&o.label, q).map(|s| (s, i)))
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, i)| i).collect()
    }
}

/// What a key did to the focused field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Changed,
    Unchanged,
    FocusNext,
    FocusPrevious,
}

/// Facts shown beside the fields: the agent's authority, the customer's
/// goodwill this year, SLAs, the complaint in question.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormContext {
    pub authority: Option<Authority>,
    pub goodwill_year_minor: i64,
    pub sla: Vec<SlaPolicy>,
    pub complaint: Option<String>,
    /// The call this form wraps up, in words.
    pub call: Option<String>,
    /// The call this form wraps up: sent with the interaction.
    pub wrap: Option<WrapOf>,
}

/// The call an interaction form wraps up: its id, and the contact's times
/// (the call's answer and end, not when the form is saved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrapOf {
    pub call_id: rapport_api::CallId,
    pub started: DateTime<Utc>,
    /// None while the call is still on (the form was opened during it).
    pub ended: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub kind: FormKind,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub currency: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The field at fault ("" for the form) and what is wrong.
    pub error: Option<(String, String)>,
    pub opened_at: DateTime<Utc>,
    /// Values when opened: what counts as a change.
    pub initial: BTreeMap<String, String>,
    /// Esc once on a changed form asks; Esc again discards.
    pub confirm_discard: bool,
    /// Waiting for the outbox to store it (the tag of the request).
    pub saving: Option<u64>,
    pub context: FormContext,
}

/// A form's state as saved while typing, to offer back after a crash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub kind: FormKind,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub currency: String,
    pub values: BTreeMap<String, String>,
    pub opened_at: DateTime<Utc>,
    pub saved_at: DateTime<Utc>,
}

impl Draft {
    pub fn key(&self) -> String {
        self.kind.draft_key(self.customer_id)
    }
}

fn choice(options: Vec<Opt>, selected: usize) -> Input {
    Input::Choice { options, selected }
}

fn text(value: &str, hint: &'static str) -> Input {
    Input::Text {
        value: value.to_string(),
        cursor: value.chars().count(),
        hint,
    }
}

fn pick(options: Vec<Opt>) -> Input {
    Input::Pick {
        options,
        query: String::new(),
        selected: None,
        cursor: 0,
    }
}

fn channels(first: Channel) -> Vec<Opt> {
    let mut v = vec![first];
    v.extend(Channel::ALL.into_iter().filter(|c| *c != first));
    v.into_iter()
        .map(|c| Opt::new(c.as_str(), c.as_str()))
        .collect()
}

fn severities(current: Severity, sla: &[SlaPolicy]) -> (Vec<Opt>, usize) {
    let all = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let opts = all
        .iter()
        .map(|s| {
            let code = serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let hours = sla.iter().find(|p| p.severity == *s).map(|p| p.hours);
            let label = match hours {
                Some(h) => format!("{code} (SLA {})", crate::ui::format::duration(h * 3600)),
                None => code.clone(),
            };
            Opt::new(code, label)
        })
        .collect();
    (opts, all.iter().position(|s| *s == current).unwrap_or(1))
}

fn complaint_label(c: &Complaint) -> String {
    format!("#{} {}", c.id, crate::sanitize::clean(&c.category))
}

impl Form {
    fn new(
        kind: FormKind,
        view: &CustomerView,
        fields: Vec<Field>,
        now: DateTime<Utc>,
        context: FormContext,
    ) -> Form {
        let mut f = Form {
            kind,
            customer_id: view.profile.id,
            customer_name: view.profile.display_name.clone(),
            currency: view.profile.currency.clone(),
            fields,
            focus: 0,
            error: None,
            opened_at: now,
            initial: BTreeMap::new(),
            confirm_discard: false,
            saving: None,
            context,
        };
        f.initial = f.values();
        f
    }

    /// Record an interaction: reason first (type to filter), then notes.
    pub fn interaction(
        view: &CustomerView,
        tax: &Taxonomy,
        about: Option<i64>,
        now: DateTime<Utc>,
    ) -> Form {
        let mut reasons: Vec<&rapport_api::ReasonCode> = tax.reasons.iter().collect();
        // Reasons offered on calls first: most contacts recorded here are.
        reasons.sort_by_key(|r| !r.channels.contains(&Channel::Call));
        let outcomes: Vec<Opt> = tax
            .outcomes
            .iter()
            .map(|o| Opt::new(o.label.clone(), o.label.clone()))
            .collect();
        let mut sentiments = vec![Opt::new("", "not noted")];
        sentiments.extend(Sentiment::ALL.into_iter().map(|s| {
            Opt::new(
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                s.label(),
            )
        }));
        let mut complaints = vec![Opt::new("", "none")];
        complaints.extend(
            view.open_complaints
                .iter()
                .map(|c| Opt::new(c.id.to_string(), complaint_label(c))),
        );
        let about_index = about
            .and_then(|id| view.open_complaints.iter().position(|c| c.id == id))
            .map_or(0, |i| i + 1);
        let fields = vec![
            Field::new(
                "reason",
                "Reason",
                pick(
                    reasons
                        .iter()
                        .map(|r| Opt::new(r.label.clone(), r.label.clone()))
                        .collect(),
                ),
            )
            .required(),
            Field::new("notes", "Notes", Input::Notes(Box::new(Notes::new("")))),
            Field::new("outcome", "Outcome", choice(outcomes, 0)).required(),
            Field::new("channel", "Channel", choice(channels(Channel::Call), 0)),
            Field::new(
                "direction",
                "Direction",
                choice(
                    vec![
                        Opt::new("inbound", "inbound"),
                        Opt::new("outbound", "outbound"),
                    ],
                    0,
                ),
            ),
            Field::new("sentiment", "Sentiment", choice(sentiments, 0)),
            Field::new(
                "follow_up",
                "Follow-up",
                text("", "date: 2026-12-01, +3 (days), tomorrow; empty for none"),
            ),
            Field::new("complaint", "About", choice(complaints, about_index)),
        ];
        Form::new(
            FormKind::Interaction,
            view,
            fields,
            now,
            FormContext::default(),
        )
    }

    pub fn new_complaint(view: &CustomerView, tax: &Taxonomy, now: DateTime<Utc>) -> Form {
        let (sev, sel) = severities(Severity::Medium, &tax.sla);
        let fields = vec![
            Field::new(
                "category",
                "Category",
                pick(
                    tax.complaint_categories
                        .iter()
                        .map(|c| Opt::new(c.clone(), c.clone()))
                        .collect(),
                ),
            )
            .required(),
            Field::new("severity", "Severity", choice(sev, sel)),
            Field::new("summary", "Summary", Input::Notes(Box::new(Notes::new("")))).required(),
            Field::new(
                "remedy",
                "Wants",
                text(
                    "",
                    "what the customer wants, e.g. refund of the duplicate charge",
                ),
            ),
        ];
        let context = FormContext {
            sla: tax.sla.clone(),
            ..FormContext::default()
        };
        Form::new(FormKind::NewComplaint, view, fields, now, context)
    }

    pub fn update_complaint(
        view: &CustomerView,
        c: &Complaint,
        tax: &Taxonomy,
        me: Option<&rapport_api::Agent>,
        now: DateTime<Utc>,
    ) -> Form {
        use ComplaintStatus::*;
        let statuses: Vec<Opt> = [
            Received,
            Acknowledged,
            Investigating,
            ResponseSent,
            Resolved,
            Closed,
        ]
        .into_iter()
        .filter(|s| check_transition(c.status, *s).is_ok())
        .map(|s| {
            Opt::new(
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                s.label(),
            )
        })
        .collect();
        let current = statuses
            .iter()
            .position(|o| o.label == c.status.label())
            .unwrap_or(0);
        let mut owners = vec![Opt::new(
            "",
            match &c.owner {
                Some(o) => format!("keep {}", crate::sanitize::clean(&o.name)),
                None => "keep unassigned".into(),
            },
        )];
        if let Some(me) = me
            && c.owner.as_ref().is_none_or(|o| o.id != me.id)
        {
            owners.push(Opt::new(me.id.to_string(), "assign to me"));
        }
        if c.owner.is_some() {
            owners.push(Opt::new("0", "unassign"));
        }
        let (sev, sel) = severities(c.severity, &tax.sla);
        let fields = vec![
            Field::new("status", "Status", choice(statuses, current)),
            Field::new("owner", "Owner", choice(owners, 0)),
            Field::new("escalated", "Escalated", Input::Toggle(c.escalated)),
            Field::new("severity", "Severity", choice(sev, sel)),
            Field::new(
                "resolution",
                "Resolution",
                Input::Notes(Box::new(Notes::new(
                    c.resolution_note.as_deref().unwrap_or(""),
                ))),
            ),
        ];
        let context = FormContext {
            sla: tax.sla.clone(),
            complaint: Some(complaint_label(c)),
            ..FormContext::default()
        };
        Form::new(
            FormKind::UpdateComplaint {
                complaint_id: c.id,
                version: c.version,
                status: c.status,
            },
            view,
            fields,
            now,
            context,
        )
    }

    pub fn recovery(
        view: &CustomerView,
        c: &Complaint,
        tax: &Taxonomy,
        now: DateTime<Utc>,
    ) -> Form {
        let kinds: Vec<Opt> = tax
            .recovery_kinds
            .iter()
            .map(|k| {
                Opt::new(
                    serde_json::to_value(k.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    k.label.clone(),
                )
            })
            .collect();
        let fields = vec![
            Field::new("kind", "Action", choice(kinds, 0)),
            Field::new(
                "amount",
                "Amount",
                text("", "e.g. 25.00, in the customer's currency"),
            ),
            Field::new(
                "due",
                "Call back at",
                text("", "e.g. 2026-12-01 10:00, tomorrow 10:00, +2h"),
            ),
            Field::new("note", "Note", Input::Notes(Box::new(Notes::new("")))),
        ];
        let context = FormContext {
            authority: view.authority.clone(),
            goodwill_year_minor: view.goodwill_year_minor,
            complaint: Some(complaint_label(c)),
            ..FormContext::default()
        };
        Form::new(
            FormKind::Recovery { complaint_id: c.id },
            view,
            fields,
            now,
            context,
        )
    }

    pub fn preferences(view: &CustomerView, now: DateTime<Utc>) -> Form {
        let p = &view.preferences;
        let fields = vec![
            Field::new("channel", "Prefers", choice(channels(p.channel), 0)),
            Field::new(
                "language",
                "Language",
                text(&p.language, "e.g. en-GB, pl, es"),
            ),
            Field::new(
                "window",
                "Contact window",
                text(
                    p.contact_window.as_deref().unwrap_or(""),
                    "e.g. 09:00-17:00; empty for any time",
                ),
            ),
            Field::new("email", "Offers: email", Input::Toggle(p.consent.email)),
            Field::new("sms", "Offers: SMS", Input::Toggle(p.consent.sms)),
            Field::new("phone", "Offers: phone", Input::Toggle(p.consent.phone)),
            Field::new("post", "Offers: post", Input::Toggle(p.consent.post)),
            Field::new(
                "dnc",
                "Do not contact",
                Input::Toggle(p.consent.do_not_contact),
            ),
            Field::new(
                "notes",
                "Notes",
                Input::Notes(Box::new(Notes::new(&crate::sanitize::clean(&p.notes)))),
            ),
        ];
        Form::new(
            FormKind::Preferences { version: p.version },
            view,
            fields,
            now,
            FormContext::default(),
        )
    }

    // ------------------------------------------------------------ values

    pub fn values(&self) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .map(|f| (f.name.to_string(), f.value()))
            .collect()
    }

    pub fn value(&self, name: &str) -> String {
        self.field(name).map(Field::value).unwrap_or_default()
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Changed since opened (a half-typed pick-list query counts).
    pub fn is_dirty(&self) -> bool {
        self.values() != self.initial
            || self
                .fields
                .iter()
                .any(|f| matches!(&f.input, Input::Pick { query, .. } if !query.is_empty()))
    }

    pub fn draft(&self, now: DateTime<Utc>) -> Draft {
        Draft {
            kind: self.kind.clone(),
            customer_id: self.customer_id,
            customer_name: self.customer_name.clone(),
            currency: self.currency.clone(),
            values: self.values(),
            opened_at: self.opened_at,
            saved_at: now,
        }
    }

    /// Put a draft's values back into a freshly built form.
    pub fn restore(&mut self, d: &Draft) {
        for f in &mut self.fields {
            if let Some(v) = d.values.get(f.name) {
                f.set_value(v);
            }
        }
        self.opened_at = d.opened_at;
    }

    /// Fields that apply given the other values (the amount only for money
    /// actions, the callback time only for callbacks).
    pub fn is_visible(&self, i: usize) -> bool {
        let Some(f) = self.fields.get(i) else {
            return false;
        };
        match (&self.kind, f.name) {
            (FormKind::Recovery { .. }, "amount") => {
                self.recovery_kind().is_some_and(RecoveryKind::is_money)
            }
            (FormKind::Recovery { .. }, "due") => {
                self.recovery_kind() == Some(RecoveryKind::Callback)
            }
            (FormKind::UpdateComplaint { status, .. }, "resolution") => {
                matches!(self.value("status").as_str(), "resolved" | "closed")
                    || *status == ComplaintStatus::Resolved
            }
            _ => true,
        }
    }

    pub fn recovery_kind(&self) -> Option<RecoveryKind> {
        parse_code(&self.value("kind"))
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    /// Move focus to the next (or previous) visible field, wrapping.
    pub fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        if n == 0 {
            return;
        }
        let mut i = self.focus;
        for _ in 0..n {
            i = if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            if self.is_visible(i) {
                break;
            }
        }
        self.leave_field();
        self.focus = i;
    }

    /// Leaving a pick list with a query picks its best match.
    fn leave_field(&mut self) {
        let idx = self.focus;
        let best = self.fields.get(idx).and_then(|f| {
            let Input::Pick { query, cursor, .. } = &f.input else {
                return None;
            };
            if query.trim().is_empty() {
                return None;
            }
            f.filtered().get(*cursor).copied()
        });
        if let Some(Input::Pick {
            query,
            selected,
            cursor,
            ..
        }) = self.fields.get_mut(idx).map(|f| &mut f.input)
        {
            if let Some(b) = best {
                *selected = Some(b);
            }
            query.clear();
            *cursor = 0;
        }
    }

    /// Apply a key to the focused field.
    pub fn key(&mut self, ev: &KeyEvent) -> KeyOutcome {
        let idx = self.focus;
        let Some(field) = self.fields.get_mut(idx) else {
            return KeyOutcome::Unchanged;
        };
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let outcome = match &mut field.input {
            Input::Notes(n) => match ev.code {
                // Up at the first line / Down at the last leave the notes.
                KeyCode::Up if n.0.cursor().0 == 0 => KeyOutcome::FocusPrevious,
                KeyCode::Down if n.0.cursor().0 + 1 >= n.0.lines().len() => KeyOutcome::FocusNext,
                _ => {
                    if n.0.input(*ev) {
                        KeyOutcome::Changed
                    } else {
                        KeyOutcome::Unchanged
                    }
                }
            },
            Input::Text { value, cursor, .. } => edit_line(value, cursor, ev),
            Input::Pick {
                options,
                query,
                selected,
                cursor,
            } => match ev.code {
                // Without a query the arrows change the choice itself;
                // with one they move through the matches.
                KeyCode::Up if query.is_empty() => {
                    *selected = Some(selected.map_or(0, |i| i.saturating_sub(1)));
                    KeyOutcome::Changed
                }
                KeyCode::Down if query.is_empty() => {
                    let last = options.len().saturating_sub(1);
                    *selected = Some(selected.map_or(0, |i| (i + 1).min(last)));
                    KeyOutcome::Changed
                }
                KeyCode::Up => {
                    *cursor = cursor.saturating_sub(1);
                    KeyOutcome::Unchanged
                }
                KeyCode::Down => {
                    *cursor += 1;
                    KeyOutcome::Unchanged
                }
                KeyCode::Enter => KeyOutcome::FocusNext,
                KeyCode::Backspace => {
                    if query.pop().is_some() {
                        *cursor = 0;
                        KeyOutcome::Changed
                    } else if selected.take().is_some() {
                        KeyOutcome::Changed
                    } else {
                        KeyOutcome::Unchanged
                    }
                }
                KeyCode::Char(c) if !ctrl => {
                    query.push(c);
                    *cursor = 0;
                    KeyOutcome::Changed
                }
                _ => KeyOutcome::Unchanged,
            },
            Input::Choice { options, selected } => match ev.code {
                KeyCode::Left => {
                    *selected = (*selected + options.len() - 1) % options.len().max(1);
                    KeyOutcome::Changed
                }
                KeyCode::Right | KeyCode::Char(' ') => {
                    *selected = (*selected + 1) % options.len().max(1);
                    KeyOutcome::Changed
                }
                KeyCode::Up => KeyOutcome::FocusPrevious,
                KeyCode::Down | KeyCode::Enter => KeyOutcome::FocusNext,
                KeyCode::Char(c) if !ctrl => {
                    // Jump to the next option starting with the letter.
                    let c = c.to_lowercase().next().unwrap_or(c);
                    let n = options.len();
                    let hit = (1..=n)
                        .map(|k| (*selected + k) % n)
                        .find(|&i| options[i].label.to_lowercase().starts_with(c));
                    match hit {
                        Some(i) => {
                            *selected = i;
                            KeyOutcome::Changed
                        }
                        None => KeyOutcome::Unchanged,
                    }
                }
                _ => KeyOutcome::Unchanged,
            },
            Input::Toggle(b) => match ev.code {
                KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right => {
                    *b = !*b;
                    KeyOutcome::Changed
                }
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    *b = true;
                    KeyOutcome::Changed
                }
                KeyCode::Char('n') | KeyCode::Char('N') => {
                    *b = false;
                    KeyOutcome::Changed
                }
                KeyCode::Up => KeyOutcome::FocusPrevious,
                KeyCode::Down | KeyCode::Enter => KeyOutcome::FocusNext,
                _ => KeyOutcome::Unchanged,
            },
        };
        // Keep the pick list's highlight inside the filtered list.
        if let Some(f) = self.fields.get(idx) {
            let len = f.filtered().len();
            if let Some(Input::Pick { cursor, .. }) = self.fields.get_mut(idx).map(|f| &mut f.input)
            {
                *cursor = (*cursor).min(len.saturating_sub(1));
            }
        }
        match outcome {
            KeyOutcome::FocusNext => self.move_focus(true),
            KeyOutcome::FocusPrevious => self.move_focus(false),
            _ => {}
        }
        if outcome != KeyOutcome::Unchanged {
            self.confirm_discard = false;
        }
        outcome
    }

    /// Pasted text into the focused field (line breaks kept only in notes).
    pub fn paste(&mut self, text: &str) -> bool {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return false;
        };
        match &mut field.input {
            Input::Notes(n) => {
                // Pasted text keeps its lines but none of its control
                // characters: they would reach the terminal when drawn.
                let clean: String = text
                    .replace("\r\n", "\n")
                    .replace('\r', "\n")
                    .replace('\t', "    ")
                    .chars()
                    .filter(|c| *c == '\n' || !c.is_control())
                    .collect();
                n.0.insert_str(clean)
            }
            Input::Text { value, cursor, .. } => {
                let clean: String = text
                    .chars()
                    .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
                    .filter(|c| !c.is_control())
                    .collect();
                let at = byte_at(value, *cursor);
                value.insert_str(at, &clean);
                *cursor += clean.chars().count();
                true
            }
            Input::Pick { query, cursor, .. } => {
                query.push_str(text.lines().next().unwrap_or(""));
                *cursor = 0;
                true
            }
            _ => false,
        }
    }

    // ------------------------------------------------------------ request

    /// The write this form asks for, or the field at fault and why.
    pub fn request(&self, now: DateTime<Utc>) -> Result<WriteRequest, (String, String)> {
        let bad = |field: &str, msg: String| Err((field.to_string(), msg));
        for (i, f) in self.fields.iter().enumerate() {
            if f.required && self.is_visible(i) && f.value().trim().is_empty() {
                return bad(f.name, format!("{} is required.", f.label));
            }
        }
        let name = &self.customer_name;
        match &self.kind {
            FormKind::Interaction => {
                let channel: Channel = parse_code(&self.value("channel")).unwrap_or(Channel::Call);
                let direction: Direction =
                    parse_code(&self.value("direction")).unwrap_or(Direction::Inbound);
                let follow_up = match parse_follow_up(&self.value("follow_up"), now.date_naive()) {
                    Ok(d) => d,
                    Err(m) => return bad("follow_up", m),
                };
                let sentiment = self.value("sentiment");
                let complaint = self.value("complaint").parse::<i64>().ok();
                // A call's wrap-up runs from the call's answer to its end;
                // another call contact from when the form opened to now.
                let (started, ended, call_id) = match self.context.wrap {
                    Some(w) => (
                        w.started.min(now),
                        Some(w.ended.unwrap_or(now).min(now)),
                        Some(w.call_id),
                    ),
                    None => (
                        self.opened_at.min(now),
                        (channel == Channel::Call).then_some(now),
                        None,
                    ),
                };
                let reason = self.value("reason");
                Ok(WriteRequest {
                    method: WriteMethod::Post,
                    path: "/v1/interactions".into(),
                    if_match: None,
                    body: json!({
                        "customer_id": self.customer_id,
                        "channel": channel,
                        "direction": direction,
                        "reason": reason,
                        "notes": self.value("notes").trim_end(),
                        "outcome": self.value("outcome"),
                        "sentiment": if sentiment.is_empty() { Value::Null } else { Value::String(sentiment) },
                        "follow_up_on": follow_up,
                        "complaint_id": complaint,
                        "started_at": started,
                        "ended_at": ended,
                        "call_id": call_id,
                    }),
                    summary: format!("{reason} for {name}"),
                    customer_id: Some(self.customer_id),
                    kind: WriteKind::Interaction,
                    draft: Some(self.draft(now)),
                })
            }
            FormKind::NewComplaint => {
                let category = self.value("category");
                Ok(WriteRequest {
                    method: WriteMethod::Post,
                    path: "/v1/complaints".into(),
                    if_match: None,
                    body: json!({
                        "customer_id": self.customer_id,
                        "category": category,
                        "severity": self.value("severity"),
                        "summary": self.value("summary").trim_end(),
                        "remedy_sought": self.value("remedy").trim(),
                        "received_at": self.opened_at.min(now),
                    }),
                    summary: format!("Complaint ({category}) for {name}"),
                    customer_id: Some(self.customer_id),
                    kind: WriteKind::Complaint,
                    draft: Some(self.draft(now)),
                })
            }
            FormKind::UpdateComplaint {
                complaint_id,
                version,
                ..
            } => {
                let mut patch = serde_json::Map::new();
                let changed = |n: &str| self.initial.get(n) != Some(&self.value(n));
                if changed("status") {
                    patch.insert("status".into(), json!(self.value("status")));
                }
                if !self.value("owner").is_empty() {
                    let owner: i64 = self.value("owner").parse().unwrap_or(0);
                    patch.insert("owner_id".into(), json!(owner));
                }
                if changed("escalated") {
                    patch.insert("escalated".into(), json!(self.value("escalated") == "true"));
                }
                if changed("severity") {
                    patch.insert("severity".into(), json!(self.value("severity")));
                }
                let resolving = self.value("status") == "resolved";
                if changed("resolution") {
                    patch.insert(
                        "resolution_note".into(),
                        json!(self.value("resolution").trim_end()),
                    );
                }
                if resolving && self.value("resolution").trim().is_empty() {
                    return bad(
                        "resolution",
                        "Say how it was resolved: a resolution note is required.".into(),
                    );
                }
                if patch.is_empty() {
                    return bad("", "Nothing is changed yet.".into());
                }
                Ok(WriteRequest {
                    method: WriteMethod::Patch,
                    path: format!("/v1/complaints/{complaint_id}"),
                    if_match: Some(*version),
                    body: Value::Object(patch),
                    summary: format!("Complaint #{complaint_id} for {name}"),
                    customer_id: Some(self.customer_id),
                    kind: WriteKind::ComplaintUpdate {
                        complaint_id: *complaint_id,
                    },
                    draft: Some(self.draft(now)),
                })
            }
            FormKind::Recovery { complaint_id } => {
                let Some(kind) = self.recovery_kind() else {
                    return bad("kind", "Choose an action.".into());
                };
                let mut body = json!({ "kind": kind, "note": self.value("note").trim_end() });
                if kind.is_money() {
                    let amount =
                        match rapport_api::money::parse(&self.value("amount"), &self.currency) {
                            Ok(0) => {
                                return bad("amount", "The amount must be more than zero.".into());
                            }
                            Ok(a) => a,
                            Err(m) => return bad("amount", format!("{m}.")),
                        };
                    body["amount_minor"] = json!(amount);
                    body["currency"] = json!(self.currency);
                }
                if kind == RecoveryKind::Callback {
                    match parse_when(&self.value("due"), now) {
                        Ok(t) => body["due_at"] = json!(t),
                        Err(m) => return bad("due", m),
                    }
                }
                let what = match body.get("amount_minor").and_then(Value::as_i64) {
                    Some(a) => format!(
                        "{} {}",
                        kind.label(),
                        rapport_api::money::format(a, &self.currency)
                    ),
                    None => kind.label().to_string(),
                };
                Ok(WriteRequest {
                    method: WriteMethod::Post,
                    path: format!("/v1/complaints/{complaint_id}/recovery-actions"),
                    if_match: None,
                    body,
                    summary: format!("{what} for {name} (#{complaint_id})"),
                    customer_id: Some(self.customer_id),
                    kind: WriteKind::Recovery {
                        complaint_id: *complaint_id,
                    },
                    draft: Some(self.draft(now)),
                })
            }
            FormKind::Preferences { version } => {
                let changed = |n: &str| self.initial.get(n) != Some(&self.value(n));
                let mut patch = serde_json::Map::new();
                if changed("channel") {
                    patch.insert("channel".into(), json!(self.value("channel")));
                }
                if changed("language") {
                    patch.insert("language".into(), json!(self.value("language").trim()));
                }
                if changed("window") {
                    patch.insert("contact_window".into(), json!(self.value("window").trim()));
                }
                if changed("notes") {
                    patch.insert("notes".into(), json!(self.value("notes").trim_end()));
                }
                let mut consent = serde_json::Map::new();
                for (field, key) in [
                    ("email", "email"),
                    ("sms", "sms"),
                    ("phone", "phone"),
                    ("post", "post"),
                    ("dnc", "do_not_contact"),
                ] {
                    if changed(field) {
                        consent.insert(key.into(), json!(self.value(field) == "true"));
                    }
                }
                if !consent.is_empty() {
                    patch.insert("consent".into(), Value::Object(consent));
                }
                if patch.is_empty() {
                    return bad("", "Nothing is changed yet.".into());
                }
                Ok(WriteRequest {
                    method: WriteMethod::Patch,
                    path: format!("/v1/customers/{}/preferences", self.customer_id),
                    if_match: Some(*version),
                    body: Value::Object(patch),
                    summary: format!("Preferences of {name}"),
                    customer_id: Some(self.customer_id),
                    kind: WriteKind::Preferences,
                    draft: Some(self.draft(now)),
                })
            }
        }
    }
}

fn parse_code<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(Value::String(s.to_string())).ok()
}

fn byte_at(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

/// One-line editing: characters, Backspace, Delete, ←/→, Home/End, Ctrl-u.
fn edit_line(value: &mut String, cursor: &mut usize, ev: &KeyEvent) -> KeyOutcome {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let len = value.chars().count();
    *cursor = (*cursor).min(len);
    match ev.code {
        KeyCode::Char('u') if ctrl => {
            value.clear();
            *cursor = 0;
            KeyOutcome::Changed
        }
        KeyCode::Char(c) if !ctrl => {
            value.insert(byte_at(value, *cursor), c);
            *cursor += 1;
            KeyOutcome::Changed
        }
        KeyCode::Backspace if *cursor > 0 => {
            value.remove(byte_at(value, *cursor - 1));
            *cursor -= 1;
            KeyOutcome::Changed
        }
        KeyCode::Delete if *cursor < len => {
            value.remove(byte_at(value, *cursor));
            KeyOutcome::Changed
        }
        KeyCode::Left => {
            *cursor = cursor.saturating_sub(1);
            KeyOutcome::Unchanged
        }
        KeyCode::Right => {
            *cursor = (*cursor + 1).min(len);
            KeyOutcome::Unchanged
        }
        KeyCode::Home => {
            *cursor = 0;
            KeyOutcome::Unchanged
        }
        KeyCode::End => {
            *cursor = len;
            KeyOutcome::Unchanged
        }
        KeyCode::Up => KeyOutcome::FocusPrevious,
        KeyCode::Down | KeyCode::Enter => KeyOutcome::FocusNext,
        _ => KeyOutcome::Unchanged,
    }
}

/// A follow-up date as typed: `2026-12-01`, `+3` (days), `tomorrow`, or
/// nothing.
pub fn parse_follow_up(s: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let t = s.trim().to_lowercase();
    if t.is_empty() {
        return Ok(None);
    }
    let day = if t == "tomorrow" {
        today + Duration::days(1)
    } else if t == "today" {
        today
    } else if let Some(n) = t.strip_prefix('+') {
        let n: i64 = n
            .trim_end_matches('d')
            .parse()
            .map_err(|_| format!("'{}' is not a number of days such as +3.", s.trim()))?;
        today + Duration::days(n)
    } else {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| {
            format!(
                "'{}' is not a date such as {}.",
                s.trim(),
                today + Duration::days(7)
            )
        })?
    };
    if day < today {
        return Err("A follow-up date cannot be in the past.".into());
    }
    Ok(Some(day))
}

/// A time as typed: `2026-12-01 10:00`, `tomorrow 10:00`, `10:00` (today),
/// `+2h`, `+30m`. Times are UTC, as the server keeps them.
pub fn parse_when(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = s.trim().to_lowercase();
    let bad = || {
        format!(
            "'{}' is not a time such as tomorrow 10:00, +2h or {}.",
            s.trim(),
            (now + Duration::days(1)).format("%Y-%m-%d 10:00")
        )
    };
    if t.is_empty() {
        return Err("Say when the callback is promised (e.g. +2h or tomorrow 10:00).".into());
    }
    let when = if let Some(rest) = t.strip_prefix('+') {
        let (n, unit) = rest.split_at(rest.len().saturating_sub(1));
        let n: i64 = n.parse().map_err(|_| bad())?;
        match unit {
            "h" => now + Duration::hours(n),
            "m" => now + Duration::minutes(n),
            "d" => now + Duration::days(n),
            _ => return Err(bad()),
        }
    } else {
        let (day, time) = match t.split_once(' ') {
            Some((d, tm)) => (d, tm),
            None => ("today", t.as_str()),
        };
        let date = match day {
            "today" => now.date_naive(),
            "tomorrow" => now.date_naive() + Duration::days(1),
            d => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad())?,
        };
        let time = NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| bad())?;
        date.and_time(time).and_utc()
    };
    if when < now - Duration::minutes(1) {
        return Err("That time has passed.".into());
    }
    let _ = when.year();
    Ok(when)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn typed(f: &mut Form, s: &str) {
        for c in s.chars() {
            f.key(&key(KeyCode::Char(c)));
        }
    }

    #[test]
    fn interaction_reason_is_picked_by_typing() {
        let v = fixtures::customer_view();
        let mut f = Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now());
        assert!(!f.is_dirty());
        typed(&mut f, "bilq");
        let field = f.focused().unwrap();
        let first = field.filtered()[0];
        let Input::Pick { options, .. } = &field.input else {
            panic!()
        };
        assert_eq!(options[first].label, "Billing query");
        f.key(&key(KeyCode::Enter));
        assert_eq!(f.value("reason"), "Billing query");
        assert_eq!(f.focused().unwrap().name, "notes");
        typed(&mut f, "Disputed roaming");
        f.key(&key(KeyCode::Enter));
        typed(&mut f, "second line");
        assert_eq!(f.value("notes"), "Disputed roaming\nsecond line");
        assert!(f.is_dirty());
        let r = f.request(fixtures::now()).unwrap();
        assert_eq!(r.path, "/v1/interactions");
        assert_eq!(r.body["reason"], "Billing query");
        assert_eq!(r.body["channel"], "call");
        assert_eq!(r.body["outcome"], "Resolved");
        assert!(r.body["sentiment"].is_null());
        assert_eq!(r.summary, "Billing query for Jane Okafor-Lindqvist");
    }

    #[test]
    fn required_fields_are_named() {
        let v = fixtures::customer_view();
        let f = Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now());
        assert_eq!(
            f.request(fixtures::now()).unwrap_err(),
            ("reason".to_string(), "Reason is required.".to_string())
        );
    }

    #[test]
    fn recovery_amount_only_for_money_and_parsed() {
        let v = fixtures::customer_view();
        let c = &v.open_complaints[0];
        let mut f = Form::recovery(&v, c, &fixtures::taxonomy(), fixtures::now());
        // Apology first: no amount field.
        assert_eq!(f.recovery_kind(), Some(RecoveryKind::Apology));
        let amount = f.fields.iter().position(|x| x.name == "amount").unwrap();
        assert!(!f.is_visible(amount));
        f.key(&key(KeyCode::Right)); // refund
        assert!(f.is_visible(amount));
        f.move_focus(true);
        assert_eq!(f.focused().unwrap().name, "amount");
        typed(&mut f, "12.5x");
        assert_eq!(f.request(fixtures::now()).unwrap_err().0, "amount");
        f.key(&key(KeyCode::Backspace));
        let r = f.request(fixtures::now()).unwrap();
        assert_eq!(r.body["amount_minor"], 1250);
        assert_eq!(r.body["currency"], "GBP");
        assert_eq!(r.summary, "Refund £12.50 for Jane Okafor-Lindqvist (#481)");
    }

    #[test]
    fn patches_carry_only_what_changed_with_the_version() {
        let v = fixtures::customer_view();
        let mut f = Form::preferences(&v, fixtures::now());
        assert_eq!(
            f.request(fixtures::now()).unwrap_err().1,
            "Nothing is changed yet."
        );
        let sms = f.fields.iter().position(|x| x.name == "sms").unwrap();
        f.focus = sms;
        f.key(&key(KeyCode::Char('y')));
        let r = f.request(fixtures::now()).unwrap();
        assert_eq!(r.if_match, Some(3));
        assert_eq!(r.body, json!({ "consent": { "sms": true } }));
    }

    #[test]
    fn complaint_update_offers_only_allowed_moves() {
        let v = fixtures::customer_view();
        let c = &v.open_complaints[0]; // investigating
        let f = Form::update_complaint(
            &v,
            c,
            &fixtures::taxonomy(),
            Some(&fixtures::me().agent),
            fixtures::now(),
        );
        let Input::Choice { options, .. } = &f.fields[0].input else {
            panic!()
        };
        let labels: Vec<_> = options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(labels, ["investigating", "response sent", "resolved"]);
    }

    #[test]
    fn drafts_round_trip_into_a_new_form() {
        let v = fixtures::customer_view();
        let mut f = Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now());
        typed(&mut f, "bill");
        f.key(&key(KeyCode::Enter));
        typed(&mut f, "half-typed note");
        let d = f.draft(fixtures::now());
        let json = serde_json::to_string(&d).unwrap();
        let back: Draft = serde_json::from_str(&json).unwrap();
        let mut g = Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now());
        g.restore(&back);
        assert_eq!(g.value("notes"), "half-typed note");
        assert_eq!(g.value("reason"), "Billing query");
        assert_eq!(back.key(), "interaction-12345");
    }

    #[test]
    fn dates_and_times_as_typed() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(parse_follow_up("", today), Ok(None));
        assert_eq!(
            parse_follow_up("+3", today),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 23))
        );
        assert_eq!(
            parse_follow_up("tomorrow", today),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 21))
        );
        assert!(parse_follow_up("2026-11-01", today).is_err());
        assert!(parse_follow_up("soon", today).is_err());
        let now = fixtures::now();
        assert_eq!(parse_when("+2h", now).unwrap(), now + Duration::hours(2));
        assert_eq!(
            parse_when("tomorrow 10:00", now).unwrap().to_rfc3339(),
            "2026-11-21T10:00:00+00:00"
        );
        assert!(parse_when("09:00", now).is_err(), "already past today");
        assert!(parse_when("whenever", now).is_err());
    }
}
