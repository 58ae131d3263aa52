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
        WriteKind::SuggestionResponse { suggestion_id, .. } => {
            super::analytics::response_acked(s, *suggestion_id);
            vec![]
        }
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
    files: Vec<FileTrouble>,
) -> Vec<Effect> {
    s.files = files;
    s.outbox.queued = queued
        .into_iter()
        .map(|e| QueuedWrite {
            seq: e.seq,
            request: e.request,
            queued_at: e.queued_at,
        })
        .collect();
    s.outbox.failed = failed;
    // A crash between storing a write and deleting its draft leaves both:
    // the draft is already saved, and offering it again would invite a
    // second, duplicate write.
    let saved: Vec<&Draft> = s
        .outbox
        .queued
        .iter()
        .filter_map(|q| q.request.draft.as_ref())
        .chain(
            s.outbox
                .failed
                .iter()
                .filter_map(|f| f.entry.request.draft.as_ref()),
        )
        .collect();
    let (stale, fresh): (Vec<Draft>, Vec<Draft>) = drafts.into_iter().partition(|d| {
        saved
            .iter()
            .any(|q| q.key() == d.key() && q.values == d.values)
    });
    s.drafts = fresh;
    let fx: Vec<Effect> = stale.iter().map(|d| Effect::DeleteDraft(d.key())).collect();
    if !s.drafts.is_empty() || !s.outbox.failed.is_empty() || !s.files.is_empty() {
        s.review = Some(ReviewState::default());
    }
    fx
}

/// A draft or queued write could not be written or read: the status bar
/// says so at once, and the review overlay holds it until the agent
/// decides. A newer report on the same file replaces the older.
pub fn file_trouble(s: &mut AppState, t: FileTrouble) -> Vec<Effect> {
    let what = match &t.kind {
        TroubleKind::DraftNotWritten(_) => "Not saved to disk: the draft",
        TroubleKind::DraftUnreadable => "Not read: a draft",
        TroubleKind::OutboxUnreadable => "Not sent: a queued change",
    };
    let first = !s.files.iter().any(|f| f.path == t.path);
    if first || !matches!(t.kind, TroubleKind::DraftNotWritten(_)) {
        notice(s, format!("{what} ({}) — press ! to review.", t.reason));
    }
    match s.files.iter_mut().find(|f| f.path == t.path) {
        Some(f) => *f = t,
        None => s.files.push(t),
    }
    vec![]
}

/// The file is fine again: written, read back or discarded.
pub fn file_ok(
    s: &mut AppState,
    path: std::path::PathBuf,
    draft: Option<Box<Draft>>,
) -> Vec<Effect> {
    let Some(i) = s.files.iter().position(|f| f.path == path) else {
        return vec![];
    };
    let t = s.files.remove(i);
    match (&t.kind, draft) {
        (_, Some(d)) => {
            notice(s, "The draft reads again; it is offered below.");
            s.drafts.push(*d);
        }
        (TroubleKind::DraftNotWritten(_), None) => notice(s, "The draft is written to disk again."),
        _ => notice(s, format!("Dealt with: {}", t.file_name())),
    }
    if let Some(r) = s.review.as_mut() {
        r.confirm_discard = false;
    }
    let n = s.review_items().len();
    if let Some(r) = s.review.as_mut() {
        r.selected = r.selected.min(n.saturating_sub(1));
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
    if cmd != Command::Discard {
        r.confirm_discard = false;
    }
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
            let confirmed = std::mem::take(&mut r.confirm_discard);
            let fx = match s.review_items().get(sel).cloned() {
                // Asks first: the file holds someone's work.
                Some(ReviewItem::File(_)) if !confirmed => {
                    if let Some(r) = s.review.as_mut() {
                        r.confirm_discard = true;
                    }
                    vec![]
                }
                Some(ReviewItem::File(f)) => vec![Effect::DiscardFile(Box::new(f.clone()))],
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
            r.confirm_discard = false;
            if let Some(ReviewItem::File(f)) = s.review_items().get(sel) {
                return vec![Effect::RetryFile(Box::new((*f).clone()))];
            }
            let item = match s.review_items().get(sel) {
                Some(ReviewItem::Failed(f)) => Some(Err((*f).clone())),
                Some(ReviewItem::Draft(d)) => Some(Ok((*d).clone())),
                Some(ReviewItem::File(_)) | None => None,
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

/// Rows of a stale update: field, what the agent set, what it is now, in
/// words (`me` names the agent's own id).
pub fn conflict_rows(f: &Failed, me: Option<&rapport_api::Agent>) -> Vec<(String, String, String)> {
    let mine = &f.entry.request.body;
    let Some(now) = &f.current else {
        return vec![];
    };
    let mut rows = Vec::new();
    let show = |v: Option<&Value>| match v {
        None | Some(Value::Null) => "—".to_string(),
        // Codes such as response_sent read as words.
        Some(Value::String(s)) => crate::sanitize::clean(&s.replace('_', " ")).into_owned(),
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
            if k == "owner_id" {
                let mine = match v.as_i64() {
                    Some(0) => "unassigned".to_string(),
                    Some(id) if me.is_some_and(|m| m.id == id) => "you".to_string(),
                    Some(id) => format!("agent #{id}"),
                    None => show(Some(v)),
                };
                rows.push(("owner".into(), mine, show(now.get("owner"))));
                continue;
            }
            let (label, cur_key) = match k.as_str() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, update};
    use crate::fixtures;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use rapport_api::RecoveryKind;

    fn opened() -> AppState {
        fixtures::state_with_customer(fixtures::customer_view())
    }

    fn cmd(s: &mut AppState, c: Command) -> Vec<Effect> {
        update(s, Action::Command(c))
    }

    fn typed(s: &mut AppState, text: &str) -> Vec<Effect> {
        let mut fx = vec![];
        for c in text.chars() {
            fx = update(
                s,
                Action::FormKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            );
        }
        fx
    }

    fn key(s: &mut AppState, code: KeyCode) -> Vec<Effect> {
        update(s, Action::FormKey(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn entry(seq: u64, request: WriteRequest) -> Entry {
        Entry {
            seq,
            key: format!("key-{seq}"),
            queued_at: fixtures::now(),
            request,
        }
    }

    /// Open the interaction form, pick a reason, type notes, save.
    fn saved_interaction(s: &mut AppState) -> (u64, WriteRequest) {
        assert!(cmd(s, Command::RecordInteraction).is_empty());
        typed(s, "bill");
        key(s, KeyCode::Enter);
        let fx = typed(s, "Disputed the roaming charge");
        assert!(
            matches!(&fx[..], [Effect::SaveDraft(d)] if d.values["notes"] == "Disputed the roaming charge"),
            "every change saves the draft: {fx:?}"
        );
        let fx = cmd(s, Command::Save);
        let [Effect::Enqueue { tag, request }] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert!(s.form.as_ref().unwrap().saving.is_some());
        (*tag, (**request).clone())
    }

    #[test]
    fn a_saved_form_closes_only_once_it_is_on_disk() {
        let mut s = opened();
        let (tag, request) = saved_interaction(&mut s);
        assert_eq!(request.body["reason"], "Billing query");
        // Typing while it is being stored changes nothing.
        assert!(typed(&mut s, "x").is_empty());
        let fx = update(
            &mut s,
            Action::Queued {
                tag,
                entry: Box::new(entry(1, request.clone())),
                queued: 1,
            },
        );
        assert_eq!(fx, vec![Effect::DeleteDraft("interaction-12345".into())]);
        assert!(s.form.is_none());
        assert_eq!(s.outbox.queued.len(), 1);
        assert!(
            s.notice
                .as_ref()
                .unwrap()
                .0
                .starts_with("Saved: Billing query")
        );

        // The server answers: the interaction shows at the top of history.
        let mut reply = serde_json::to_value(&fixtures::customer_view().interactions[0]).unwrap();
        reply["id"] = 999.into();
        reply["notes"] = "Disputed the roaming charge".into();
        update(
            &mut s,
            Action::WriteAcked {
                seq: 1,
                kind: WriteKind::Interaction,
                customer_id: Some(12345),
                reply: reply.clone(),
                replayed: false,
                queued: 0,
            },
        );
        assert!(s.outbox.queued.is_empty());
        let c = s.customer.as_ref().unwrap();
        assert_eq!(c.history.items[0].id, 999);
        // The same interaction arriving as an event is not added twice.
        let event = rapport_api::Event {
            id: Some(50),
            at: fixtures::now(),
            by: None,
            customer_id: Some(12345),
            body: rapport_api::EventBody::InteractionCreated(
                serde_json::from_value(reply).unwrap(),
            ),
        };
        let before = s.customer.as_ref().unwrap().history.items.len();
        update(&mut s, Action::ServerEvent(Box::new(event)));
        assert_eq!(s.customer.as_ref().unwrap().history.items.len(), before);
    }

    #[test]
    fn a_form_that_cannot_be_stored_stays_open_with_the_reason() {
        let mut s = opened();
        let (tag, _) = saved_interaction(&mut s);
        update(
            &mut s,
            Action::QueueFailed {
                tag,
                reason: "Could not store the change on disk (No space left on device)".into(),
            },
        );
        let f = s.form.as_ref().expect("still open");
        assert!(f.saving.is_none());
        assert!(f.error.as_ref().unwrap().1.contains("No space left"));
        assert_eq!(f.value("notes"), "Disputed the roaming charge");
    }

    #[test]
    fn missing_fields_are_named_and_focused() {
        let mut s = opened();
        cmd(&mut s, Command::RecordInteraction);
        key(&mut s, KeyCode::Tab);
        assert!(cmd(&mut s, Command::Save).is_empty());
        let f = s.form.as_ref().unwrap();
        assert_eq!(f.error.as_ref().unwrap().0, "reason");
        assert_eq!(f.focused().unwrap().name, "reason");
    }

    #[test]
    fn esc_asks_before_discarding_typed_work() {
        let mut s = opened();
        cmd(&mut s, Command::RecordInteraction);
        // An untouched form closes at once.
        assert_eq!(
            cmd(&mut s, Command::Back),
            vec![Effect::DeleteDraft("interaction-12345".into())]
        );
        cmd(&mut s, Command::RecordInteraction);
        typed(&mut s, "bill");
        assert!(cmd(&mut s, Command::Back).is_empty());
        assert!(s.form.as_ref().unwrap().confirm_discard);
        assert_eq!(
            cmd(&mut s, Command::Back),
            vec![Effect::DeleteDraft("interaction-12345".into())]
        );
        assert!(s.form.is_none());
    }

    #[test]
    fn recovery_needs_a_complaint_and_shows_authority() {
        let mut s = opened();
        cmd(&mut s, Command::RecoveryAction);
        let f = s.form.as_ref().unwrap();
        assert_eq!(f.kind, FormKind::Recovery { complaint_id: 481 });
        assert_eq!(f.context.authority.as_ref().unwrap().remaining_minor, 5_000);
        assert_eq!(f.recovery_kind(), Some(RecoveryKind::Apology));
        let mut v = fixtures::customer_view();
        v.open_complaints.clear();
        let mut s = fixtures::state_with_customer(v);
        cmd(&mut s, Command::RecoveryAction);
        assert!(s.form.is_none());
        assert!(s.notice.as_ref().unwrap().0.contains("open one first"));
    }

    fn stale(request: WriteRequest, current: serde_json::Value) -> Failed {
        Failed {
            entry: entry(7, request),
            status: Some(412),
            reason: "Complaint #481 was changed by Tom Baker since you read it.".into(),
            current: Some(current),
            failed_at: fixtures::now(),
        }
    }

    #[test]
    fn a_stale_update_shows_what_changed_and_reapplies_on_top() {
        let mut s = opened();
        cmd(&mut s, Command::TabComplaints);
        cmd(&mut s, Command::UpdateComplaint);
        let form = s.form.as_mut().unwrap();
        form.move_focus(true); // owner
        form.move_focus(true); // escalated
        key(&mut s, KeyCode::Char('y'));
        let fx = cmd(&mut s, Command::Save);
        let [Effect::Enqueue { request, .. }] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(request.if_match, Some(2));
        assert_eq!(request.body, serde_json::json!({ "escalated": true }));
        let mut now = serde_json::to_value(&fixtures::customer_view().open_complaints[0]).unwrap();
        now["version"] = 3.into();
        now["status"] = "response_sent".into();
        let f = stale((**request).clone(), now);
        assert_eq!(
            conflict_rows(&f, None),
            vec![("escalated".into(), "true".into(), "false".into())]
        );
        let fx = update(
            &mut s,
            Action::WriteRefused {
                failed: Box::new(f),
                queued: 0,
            },
        );
        assert!(
            matches!(fx[..], [Effect::LoadView { .. }]),
            "the record is reread"
        );
        assert!(
            s.notice
                .as_ref()
                .unwrap()
                .0
                .contains("changed by someone else")
        );
        s.form = None;
        cmd(&mut s, Command::ReviewChanges);
        let fx = cmd(&mut s, Command::Open);
        let [
            Effect::DiscardFailed { key },
            Effect::Enqueue { request, .. },
        ] = &fx[..]
        else {
            panic!("{fx:?}")
        };
        assert_eq!(key, "key-7");
        assert_eq!(request.if_match, Some(3), "on top of the current version");
        assert_eq!(request.body, serde_json::json!({ "escalated": true }));
        assert!(s.outbox.failed.is_empty());
    }

    #[test]
    fn a_refused_create_reopens_in_its_form_with_the_reason() {
        let mut s = opened();
        let (_, request) = saved_interaction(&mut s);
        s.form = None;
        let failed = Failed {
            entry: entry(3, request),
            status: Some(400),
            reason: "'Billing query' is not a reason for contact this server knows.".into(),
            current: None,
            failed_at: fixtures::now(),
        };
        update(
            &mut s,
            Action::WriteRefused {
                failed: Box::new(failed),
                queued: 0,
            },
        );
        assert_eq!(s.outbox.failed.len(), 1);
        cmd(&mut s, Command::ReviewChanges);
        cmd(&mut s, Command::Open);
        let f = s.form.as_ref().expect("reopened");
        assert_eq!(f.value("notes"), "Disputed the roaming charge");
        assert!(f.error.as_ref().unwrap().1.contains("not a reason"));
    }

    #[test]
    fn drafts_from_a_crash_are_offered_and_restored() {
        let v = fixtures::customer_view();
        let mut f = Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now());
        f.fields[1].set_value("half-typed before the crash");
        let d = f.draft(fixtures::now());
        let mut s = fixtures::state_signed_in();
        update(
            &mut s,
            Action::Recovered {
                queued: vec![],
                failed: vec![],
                drafts: vec![d],
                files: vec![],
            },
        );
        assert!(s.review.is_some(), "offered at start-up");
        let fx = cmd(&mut s, Command::Open);
        // The customer is not on screen: open them, then the form.
        let [Effect::LoadView { id, customer }, Effect::Presence(Some(_))] = fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(customer, 12345);
        assert!(s.form.is_none());
        update(&mut s, Action::ViewDone(id, Ok(Box::new(v))));
        let f = s.form.as_ref().expect("the draft's form");
        assert_eq!(f.value("notes"), "half-typed before the crash");
        assert!(s.review.is_none());
    }

    #[test]
    fn a_draft_already_queued_is_not_offered_again() {
        let mut s = opened();
        let (_, request) = saved_interaction(&mut s);
        let draft = request.draft.clone().unwrap();
        let mut s = fixtures::state_signed_in();
        let fx = update(
            &mut s,
            Action::Recovered {
                queued: vec![entry(1, request)],
                failed: vec![],
                drafts: vec![draft.clone()],
                files: vec![],
            },
        );
        assert_eq!(fx, vec![Effect::DeleteDraft(draft.key())]);
        assert!(s.drafts.is_empty() && s.review.is_none());
    }

    #[test]
    fn an_unreachable_server_keeps_writes_queued_and_says_so() {
        let mut s = opened();
        let (tag, request) = saved_interaction(&mut s);
        update(
            &mut s,
            Action::Queued {
                tag,
                entry: Box::new(entry(1, request)),
                queued: 1,
            },
        );
        let fx = update(
            &mut s,
            Action::WriteRetrying {
                queued: 1,
                attempt: 1,
                retry_in_ms: 4000,
                reason: "connection refused".into(),
                unreachable: true,
            },
        );
        assert!(matches!(fx[..], [Effect::Probe { .. }]), "{fx:?}");
        assert_eq!(s.connection, Connection::Reconnecting);
        let (words, bad) = crate::ui::status_bar::queue_words(&s);
        assert_eq!(words, "⟳ 1 change queued, retrying in 4 s");
        assert!(bad);
        // The probe finds the server: the queue is told to go now.
        let Some(Effect::Probe { id, .. }) = fx.first().cloned() else {
            unreachable!()
        };
        let fx = update(&mut s, Action::ProbeDone(id, Ok(fixtures::health())));
        assert!(fx.contains(&Effect::RetryNow), "{fx:?}");
    }
}
