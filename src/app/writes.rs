//! Everything that changes data, as `update` sees it: opening and editing
//! forms, saving them into the outbox, what the outbox reports back (queued,
//! acknowledged, retrying, refused), and the review of refused changes and
//! drafts. Called from [`super::update`]; pure like it.

use chrono::Duration;
use rapport_api::{Complaint, Interaction, Preferences, RecoveryAction};
use serde_json::Value;

use super::Effect;
use super::form::{Draft, Form, FormKind, KeyOutcome};
use super::state::*;
use super::write::{WriteKind, WriteRequest};
use crate::keymap::Command;
use crate::outbox::{Entry, Failed};

/// How long a notice stays in the status bar.
pub const NOTICE_SECS: i64 = 6;

pub fn notice(s: &mut AppState, text: impl Into<String>) {
    s.notice = Some((text.into(), s.now));
}

/// The complaint the complaint keys act on: the selected one.
fn selected_complaint(s: &AppState) -> Option<&Complaint> {
    let c = s.customer.as_ref()?;
    c.view.loaded()?.open_complaints.get(c.complaint_selected)
}

/// `i`, `c`, `u`, `r`, `e` on the customer screen.
pub fn open_form(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    if s.screen != Screen::Customer || s.form.is_some() {
        return vec![];
    }
    let Some(view) = s.view().cloned() else {
        notice(s, "Wait for the customer to load first.");
        return vec![];
    };
    let needs_lists = cmd != Command::EditPreferences;
    let tax = match (&s.taxonomy, needs_lists) {
        (Load::Loaded(t), _) => Some(t.clone()),
        (_, false) => None,
        (Load::Loading, true) => {
            notice(s, "Waiting for the server's lists of reasons and outcomes…");
            return vec![];
        }
        (_, true) => {
            notice(
                s,
                "The server's lists of reasons and outcomes are not here yet; asking again.",
            );
            return load_taxonomy(s);
        }
    };
    let me = s.me.loaded().map(|m| m.agent.clone());
    let now = s.now;
    let form = match (cmd, tax.as_ref()) {
        (Command::RecordInteraction, Some(t)) => {
            let about = s
                .customer
                .as_ref()
                .filter(|c| c.focus == Focus::Complaints || c.tab == Tab::Complaints)
                .and(selected_complaint(s))
                .map(|c| c.id);
            Form::interaction(&view, t, about, now)
        }
        (Command::NewComplaint, Some(t)) => Form::new_complaint(&view, t, now),
        (Command::UpdateComplaint, Some(t)) => match selected_complaint(s) {
            Some(c) => Form::update_complaint(&view, c, t, me.as_ref(), now),
            None => {
                notice(s, "This customer has no open complaint to update.");
                return vec![];
            }
        },
        (Command::RecoveryAction, Some(t)) => match selected_complaint(s) {
            Some(c) => Form::recovery(&view, c, t, now),
            None => {
                notice(s, "Recovery actions go on a complaint: open one first (c).");
                return vec![];
            }
        },
        (Command::EditPreferences, _) => Form::preferences(&view, now),
        _ => return vec![],
    };
    show_form(s, form)
}

/// Put `form` on screen, with the values of a draft of it if one is left.
fn show_form(s: &mut AppState, mut form: Form) -> Vec<Effect> {
    let key = form.kind.draft_key(form.customer_id);
    if let Some(i) = s.drafts.iter().position(|d| d.key() == key) {
        let d = s.drafts.remove(i);
        form.restore(&d);
        notice(s, "Your unsaved draft of this form is back.");
    }
    // Focus the first field that applies.
    if !form.is_visible(form.focus) {
        form.move_focus(true);
    }
    s.form = Some(form);
    vec![]
}

pub fn load_taxonomy(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    s.taxonomy_request = id;
    if !s.taxonomy.is_loaded() {
        s.taxonomy = Load::Loading;
    }
    vec![Effect::LoadTaxonomy { id }]
}

/// Commands while a form is open.
pub fn form_command(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Some(form) = s.form.as_mut() else {
        return vec![];
    };
    match cmd {
        Command::Save => save(s),
        Command::NextField => {
            form.move_focus(true);
            vec![]
        }
        Command::PreviousField => {
            form.move_focus(false);
            vec![]
        }
        Command::Back => {
            if form.saving.is_some() {
                return vec![];
            }
            if form.is_dirty() && !form.confirm_discard {
                form.confirm_discard = true;
                return vec![];
            }
            let key = form.kind.draft_key(form.customer_id);
            s.form = None;
            vec![Effect::DeleteDraft(key)]
        }
        _ => vec![],
    }
}

/// A key for the focused field; the draft is saved after every change.
pub fn form_key(s: &mut AppState, ev: &crossterm::event::KeyEvent) -> Vec<Effect> {
    let now = s.now;
    let Some(form) = s.form.as_mut().filter(|f| f.saving.is_none()) else {
        return vec![];
    };
    match form.key(ev) {
        KeyOutcome::Changed => {
            form.error = None;
            vec![Effect::SaveDraft(Box::new(form.draft(now)))]
        }
        _ => vec![],
    }
}

pub fn form_paste(s: &mut AppState, text: &str) -> Vec<Effect> {
    let now = s.now;
    let Some(form) = s.form.as_mut().filter(|f| f.saving.is_none()) else {
        return vec![];
    };
    if form.paste(text) {
        form.error = None;
        form.confirm_discard = false;
        vec![Effect::SaveDraft(Box::new(form.draft(now)))]
    } else {
        vec![]
    }
}

fn save(s: &mut AppState) -> Vec<Effect> {
    let now = s.now;
    let tag = s.fresh_id();
    let Some(form) = s.form.as_mut() else {
        return vec![];
    };
    if form.saving.is_some() {
        return vec![];
    }
    match form.request(now) {
        Ok(request) => {
            form.error = None;
            form.saving = Some(tag);
            vec![Effect::Enqueue {
                tag,
                request: Box::new(request),
            }]
        }
        Err((field, message)) => {
            if let Some(i) = form.fields.iter().position(|f| f.name == field) {
                form.focus = i;
            }
            form.error = Some((field, message));
            vec![]
        }
    }
}

/// The outbox has the write on disk.
pub fn queued(s: &mut AppState, tag: u64, entry: Entry) -> Vec<Effect> {
    let mut fx = Vec::new();
    if s.form.as_ref().and_then(|f| f.saving) == Some(tag) {
        let form = s.form.take().expect("checked");
        fx.push(Effect::DeleteDraft(form.kind.draft_key(form.customer_id)));
    }
    let sending = if s.live.up && s.connection == Connection::Connected {
        "sending"
    } else {
        "will send when the server is back"
    };
    notice(s, format!("Saved: {} — {sending}.", entry.request.summary));
    s.outbox.queued.push(QueuedWrite {
        seq: entry.seq,
        request: entry.request,
        queued_at: entry.queued_at,
    });
    fx
}

pub fn queue_failed(s: &mut AppState, tag: u64, reason: String) -> Vec<Effect> {
    if let Some(form) = s.form.as_mut().filter(|f| f.saving == Some(tag)) {
        form.saving = None;
        form.error = Some((String::new(), reason));
    } else {
        s.last_error = Some(reason);
    }
    vec![]
}

/// The server has it: drop it from the queue and show what it answered.
pub fn acked(
    s: &mut AppState,
    seq: u64,
    kind: &WriteKind,
    customer: Option<i64>,
    reply: &Value,
) -> Vec<Effect> {
    s.outbox.queued.retain(|q| q.seq != seq);
    s.outbox.retry = None;
    let here = s.customer.as_ref().is_some_and(|c| Some(c.id) == customer);
    if !here {
        return vec![];
    }
    match kind {
        WriteKind::Interaction => {
            if let Ok(i) = serde_json::from_value::<Interaction>(reply.clone()) {
                add_interaction(s, i);
            }
            vec![]
        }
        WriteKind::Complaint | WriteKind::ComplaintUpdate { .. } => {
            if let Ok(c) = serde_json::from_value::<Complaint>(reply.clone()) {
                upsert_complaint(s, c);
            }
            vec![]
        }
        WriteKind::Preferences => {
            if let Ok(p) = serde_json::from_value::<Preferences>(reply.clone()) {
                set_preferences(s, p);
            }
            vec![]
        }
        // Authority and goodwill change with money: reread the view.
        WriteKind::Recovery { .. } | WriteKind::Decision { .. } => {
            if let Ok(a) = serde_json::from_value::<RecoveryAction>(reply.clone()) {
                upsert_action(s, a);
            }
            super::update::reload_view(s)
        }
    }
}

pub fn retrying(s: &mut AppState, retry_in_ms: u64, reason: String) -> Vec<Effect> {
    let at = s.now + Duration::milliseconds(retry_in_ms as i64);
    s.outbox.retry = Some((reason, at));
    vec![]
}

pub fn refused(s: &mut AppState, failed: Failed) -> Vec<Effect> {
    s.outbox.queued.retain(|q| q.seq != failed.entry.seq);
    s.outbox.retry = None;
    let stale = failed.status == Some(412);
    notice(
        s,
        if stale {
            format!(
                "Not saved: {} was changed by someone else meanwhile. Press ! to compare and re-apply.",
                failed.entry.request.summary
            )
        } else {
            format!(
                "Not saved: {} — {} Press ! to review.",
                failed.entry.request.summary, failed.reason
            )
        },
    );
    s.outbox.failed.push(failed);
    // The record changed under us: show it as it is now.
    if stale {
        return super::update::reload_view(s);
    }
    vec![]
}

pub fn recovered(
    s: &mut AppState,
    queued: Vec<Entry>,
    failed: Vec<Failed>,
    drafts: Vec<Draft>,
) -> Vec<Effect> {
    s.outbox.queued = queued
        .into_iter()
        .map(|e| QueuedWrite {
            seq: e.seq,
            request: e.request,
            queued_at: e.queued_at,
        })
        .collect();
    s.outbox.failed = failed;
    s.drafts = drafts;
    if !s.drafts.is_empty() || !s.outbox.failed.is_empty() {
        s.review = Some(ReviewState::default());
    }
    vec![]
}

// ------------------------------------------------------------ review

/// Commands in the review overlay.
pub fn review_command(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    let n = s.review_items().len();
    let Some(r) = s.review.as_mut() else {
        return vec![];
    };
    match cmd {
        Command::Next => {
            r.selected = (r.selected + 1).min(n.saturating_sub(1));
            vec![]
        }
        Command::Previous => {
            r.selected = r.selected.saturating_sub(1);
            vec![]
        }
        Command::Back | Command::ReviewChanges => {
            s.review = None;
            vec![]
        }
        Command::Discard => {
            let sel = r.selected;
            let fx = match s.review_items().get(sel).cloned() {
                Some(ReviewItem::Failed(f)) => {
                    let key = f.entry.key.clone();
                    s.outbox.failed.retain(|x| x.entry.key != key);
                    vec![Effect::DiscardFailed { key }]
                }
                Some(ReviewItem::Draft(d)) => {
                    let key = d.key();
                    s.drafts.retain(|x| x.key() != key);
                    vec![Effect::DeleteDraft(key)]
                }
                None => vec![],
            };
            close_review_if_empty(s);
            fx
        }
        Command::Open => {
            let sel = r.selected;
            let item = match s.review_items().get(sel) {
                Some(ReviewItem::Failed(f)) => Some(Err((*f).clone())),
                Some(ReviewItem::Draft(d)) => Some(Ok((*d).clone())),
                None => None,
            };
            let fx = match item {
                Some(Err(f)) => reopen_failed(s, f),
                Some(Ok(d)) => {
                    s.drafts.retain(|x| x.key() != d.key());
                    restore_draft(s, d)
                }
                None => vec![],
            };
            close_review_if_empty(s);
            if s.form.is_some() || s.screen == Screen::Customer {
                s.review = None;
            }
            fx
        }
        _ => vec![],
    }
}

fn close_review_if_empty(s: &mut AppState) {
    let n = s.review_items().len();
    if n == 0 {
        s.review = None;
    } else if let Some(r) = s.review.as_mut() {
        r.selected = r.selected.min(n - 1);
    }
}

/// A stale update is re-applied on top of what is there now; any other
/// refused write goes back into its form to be corrected.
fn reopen_failed(s: &mut AppState, f: Failed) -> Vec<Effect> {
    let mut fx = vec![Effect::DiscardFailed {
        key: f.entry.key.clone(),
    }];
    s.outbox.failed.retain(|x| x.entry.key != f.entry.key);
    let current_version = f
        .current
        .as_ref()
        .and_then(|c| c.get("version"))
        .and_then(Value::as_i64);
    if f.status == Some(412)
        && let Some(v) = current_version
    {
        let mut request: WriteRequest = f.entry.request.clone();
        request.if_match = Some(v);
        if let Some(d) = request.draft.as_mut() {
            match &mut d.kind {
                FormKind::UpdateComplaint { version, .. } | FormKind::Preferences { version } => {
                    *version = v;
                }
                _ => {}
            }
        }
        let tag = s.fresh_id();
        fx.push(Effect::Enqueue {
            tag,
            request: Box::new(request),
        });
        return fx;
    }
    match f.entry.request.draft {
        Some(d) => {
            fx.extend(restore_draft(s, d));
            if let Some(form) = s.form.as_mut() {
                form.error = Some((String::new(), f.reason));
            }
        }
        None => notice(
            s,
            format!("{} cannot be reopened as a form.", f.entry.request.summary),
        ),
    }
    fx
}

/// Reopen a draft's form: here if its customer is on screen, else after
/// opening that customer.
pub fn restore_draft(s: &mut AppState, d: Draft) -> Vec<Effect> {
    let here = s.customer.as_ref().is_some_and(|c| c.id == d.customer_id) && s.view().is_some();
    if !here {
        s.screen = Screen::Customer;
        let id = s.fresh_id();
        s.customer = Some(CustomerState::new(
            d.customer_id,
            d.customer_name.clone(),
            id,
        ));
        s.restore = Some(d);
        let customer = s.customer.as_ref().map(|c| c.id).unwrap_or_default();
        return vec![
            Effect::LoadView { id, customer },
            Effect::Presence(Some(customer)),
        ];
    }
    s.screen = Screen::Customer;
    form_from_draft(s, d)
}

/// Build the draft's form against the loaded view and fill it in.
pub fn form_from_draft(s: &mut AppState, d: Draft) -> Vec<Effect> {
    let Some(view) = s.view().cloned() else {
        return vec![];
    };
    let tax = s.taxonomy.loaded().cloned();
    let now = s.now;
    let me = s.me.loaded().map(|m| m.agent.clone());
    let form = match (&d.kind, tax.as_ref()) {
        (FormKind::Interaction, Some(t)) => Some(Form::interaction(&view, t, None, now)),
        (FormKind::NewComplaint, Some(t)) => Some(Form::new_complaint(&view, t, now)),
        (FormKind::UpdateComplaint { complaint_id, .. }, Some(t)) => view
            .open_complaints
            .iter()
            .find(|c| c.id == *complaint_id)
            .map(|c| Form::update_complaint(&view, c, t, me.as_ref(), now)),
        (FormKind::Recovery { complaint_id }, Some(t)) => view
            .open_complaints
            .iter()
            .find(|c| c.id == *complaint_id)
            .map(|c| Form::recovery(&view, c, t, now)),
        (FormKind::Preferences { .. }, _) => Some(Form::preferences(&view, now)),
        _ => None,
    };
    match form {
        Some(mut f) => {
            f.restore(&d);
            s.form = Some(f);
            vec![]
        }
        None => {
            // The complaint was closed meanwhile, or the lists are missing:
            // keep the draft rather than lose it.
            notice(
                s,
                "That draft's complaint is no longer open, or the server's lists are missing; the draft is kept (press ! to see it).",
            );
            s.drafts.push(d);
            vec![]
        }
    }
}

/// Rows of a stale update: field, what the agent set, what it is now.
pub fn conflict_rows(f: &Failed) -> Vec<(String, String, String)> {
    let mine = &f.entry.request.body;
    let Some(now) = &f.current else {
        return vec![];
    };
    let mut rows = Vec::new();
    let show = |v: Option<&Value>| match v {
        None | Some(Value::Null) => "—".to_string(),
        Some(Value::String(s)) => crate::sanitize::clean(s).into_owned(),
        Some(Value::Object(o)) => o
            .get("name")
            .map(|n| crate::sanitize::clean(n.as_str().unwrap_or("")).into_owned())
            .unwrap_or_else(|| "…".into()),
        Some(v) => v.to_string(),
    };
    if let Some(obj) = mine.as_object() {
        for (k, v) in obj {
            if k == "consent" {
                for (ck, cv) in v.as_object().into_iter().flatten() {
                    let cur = now.get("consent").and_then(|c| c.get(ck));
                    rows.push((format!("consent {ck}"), show(Some(cv)), show(cur)));
                }
                continue;
            }
            let (label, cur_key) = match k.as_str() {
                "owner_id" => ("owner".to_string(), "owner"),
                "resolution_note" => ("resolution".to_string(), "resolution_note"),
                other => (other.replace('_', " "), other),
            };
            rows.push((label, show(Some(v)), show(now.get(cur_key))));
        }
    }
    rows
}

// ------------------------------------------------------------ applying

/// Add `i` to the open customer's view and history (once).
pub fn add_interaction(s: &mut AppState, i: Interaction) {
    let Some(c) = s.customer.as_mut().filter(|c| c.id == i.customer_id) else {
        return;
    };
    if let Load::Loaded(v) = &mut c.view
        && !v.interactions.iter().any(|x| x.id == i.id)
    {
        v.interactions.insert(0, i.clone());
    }
    let shows = c.history.channel.is_none_or(|ch| ch == i.channel);
    if shows && !c.history.items.iter().any(|x| x.id == i.id) {
        c.history.items.insert(0, i);
        if c.history.selected > 0 {
            c.history.selected += 1;
        }
    }
}

/// Put `c` into the open customer's view: replaced if newer, added if new
/// and open, removed once resolved or closed.
pub fn upsert_complaint(s: &mut AppState, new: Complaint) {
    let Some(cs) = s.customer.as_mut().filter(|c| c.id == new.customer_id) else {
        return;
    };
    let Load::Loaded(v) = &mut cs.view else {
        return;
    };
    let list = &mut v.open_complaints;
    match list.iter().position(|x| x.id == new.id) {
        Some(i) if list[i].version > new.version => return,
        Some(i) => {
            if new.status.is_open() {
                list[i] = new;
            } else {
                list.remove(i);
            }
        }
        None if new.status.is_open() => list.push(new),
        None => return,
    }
    list.sort_by(|a, b| a.sla_due_at.cmp(&b.sla_due_at).then(a.id.cmp(&b.id)));
    cs.complaint_selected = cs.complaint_selected.min(list.len().saturating_sub(1));
}

pub fn upsert_action(s: &mut AppState, a: RecoveryAction) {
    let Some(cs) = s.customer.as_mut().filter(|c| c.id == a.customer_id) else {
        return;
    };
    let Load::Loaded(v) = &mut cs.view else {
        return;
    };
    if let Some(c) = v
        .open_complaints
        .iter_mut()
        .find(|c| c.id == a.complaint_id)
    {
        match c.recovery_actions.iter().position(|x| x.id == a.id) {
            Some(i) if c.recovery_actions[i].version <= a.version => c.recovery_actions[i] = a,
            Some(_) => {}
            None => c.recovery_actions.push(a),
        }
    }
}

pub fn set_preferences(s: &mut AppState, p: Preferences) {
    if let Some(Load::Loaded(v)) = s.customer.as_mut().map(|c| &mut c.view)
        && p.version >= v.preferences.version
    {
        v.preferences = p;
    }
}
