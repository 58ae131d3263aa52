//! The supervisor desk's state and commands: the desk snapshot (live from
//! `desk` events), the approvals waiting and the complaints at risk (read
//! again when an event says they changed), the tab or panel the keys act
//! on, the Erlang C what-if, the definitions, and approving or rejecting a
//! recovery action in one key (a rejection asks for its reason). Decisions
//! go through the outbox like every write. Supervisors and admins only: an
//! agent's F5 is refused with a notice. Called from [`super::update`] and
//! [`super::calls`]; pure like them.

use crossterm::event::{KeyCode, KeyEvent};
use rapport_api::{AgentStatus, Approval, Complaint, Desk, Role, WhatIf};
use serde_json::json;

use super::Effect;
use super::calls::{QueuesAction, QueuesEffect};
use super::state::*;
use super::write::{WriteKind, WriteMethod, WriteRequest};
use super::writes::notice;
use crate::keymap::Command;
use crate::sanitize::clean;

/// What the desk shows on its tabs (80 columns) or panels (wide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeskTab {
    #[default]
    Queues,
    Agents,
    Approvals,
    AtRisk,
}

impl DeskTab {
    pub const ALL: [DeskTab; 4] = [
        DeskTab::Queues,
        DeskTab::Agents,
        DeskTab::Approvals,
        DeskTab::AtRisk,
    ];
    pub fn title(self) -> &'static str {
        match self {
            DeskTab::Queues => "Queues",
            DeskTab::Agents => "Agents",
            DeskTab::Approvals => "Approvals",
            DeskTab::AtRisk => "At risk",
        }
    }
    fn index(self) -> usize {
        DeskTab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// An overlay over the desk.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// Erlang C for a queue with `agents` staffed (None: as many as needed).
    WhatIf {
        queue: i64,
        agents: Option<u32>,
        result: Load<WhatIf>,
        request: RequestId,
    },
    /// What the figures mean, scrolled this far.
    Definitions(u16),
}

/// The reason being typed for a rejection.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectPrompt {
    pub approval: Approval,
    pub text: String,
    pub error: Option<String>,
}

/// A list read from the server: one read at a time, read again once it
/// is back if an event said the list changed meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub list: Load<Vec<T>>,
    pub request: Option<RequestId>,
    pub stale: bool,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Listed {
            list: Load::Idle,
            request: None,
            stale: false,
        }
    }
}

impl<T> Listed<T> {
    /// Start a read under `id`, unless one is out (then it is repeated).
    fn start(&mut self, id: RequestId) -> bool {
        if self.request.is_some() {
            self.stale = true;
            return false;
        }
        self.request = Some(id);
        self.stale = false;
        true
    }

    /// The reply to `id`, if it is the one wanted: keep it (a failure keeps
    /// the list on screen and says why); true when it must be read again.
    fn landed(
        &mut self,
        id: RequestId,
        r: Result<Vec<T>, crate::api::ApiError>,
        last_error: &mut Option<String>,
    ) -> bool {
        if self.request != Some(id) {
            return false;
        }
        self.request = None;
        match r {
            Ok(v) => self.list = Load::Loaded(v),
            Err(e) if !self.list.is_loaded() => self.list = Load::Failed(e),
            Err(e) => *last_error = Some(e.to_string()),
        }
        std::mem::take(&mut self.stale)
    }

    pub fn loaded(&self) -> Option<&Vec<T>> {
        self.list.loaded()
    }

    pub fn is_loaded(&self) -> bool {
        self.list.is_loaded()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeskState {
    pub desk: Load<Desk>,
    pub request: RequestId,
    pub approvals: Listed<Approval>,
    pub at_risk: Listed<Complaint>,
    pub tab: DeskTab,
    /// The selected row of each tab.
    pub selected: [usize; 4],
    pub overlay: Option<Overlay>,
    pub reject: Option<RejectPrompt>,
    /// Recovery actions decided here whose decision is on its way.
    pub deciding: Vec<i64>,
    /// `/`: only rows whose words hold this (any case) are listed.
    pub filter: String,
    /// The filter is being typed (letters go to it, not to the keys).
    pub filtering: bool,
}

impl Default for DeskState {
    fn default() -> Self {
        DeskState {
            desk: Load::Idle,
            request: 0,
            approvals: Listed::default(),
            at_risk: Listed::default(),
            tab: DeskTab::Queues,
            selected: [0; 4],
            overlay: None,
            reject: None,
            deciding: Vec::new(),
            filter: String::new(),
            filtering: false,
        }
    }
}

impl DeskState {
    pub fn selected(&self, tab: DeskTab) -> usize {
        self.selected[tab.index()]
    }

    /// True when `words` hold the filter (any case), or there is none.
    pub fn matches(&self, words: &[&str]) -> bool {
        let f = self.filter.trim().to_lowercase();
        f.is_empty() || words.iter().any(|w| w.to_lowercase().contains(&f))
    }

    /// Approvals still waiting (those decided here drop out at once) that
    /// the filter lets through.
    pub fn waiting(&self) -> Vec<&Approval> {
        self.approvals
            .loaded()
            .map(|v| {
                v.iter()
                    .filter(|a| !self.deciding.contains(&a.action.id))
                    .filter(|a| {
                        self.matches(&[
                            &a.customer_name,
                            &a.account_number,
                            &a.complaint_category,
                            a.action.kind.label(),
                        ])
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The queues the filter lets through (by name or code).
    pub fn queues(&self) -> Vec<&rapport_api::QueueLive> {
        self.desk
            .loaded()
            .map(|d| {
                d.queues
                    .iter()
                    .filter(|q| self.matches(&[&q.queue.name, &q.queue.code]))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The agents the filter lets through (by name or state).
    pub fn agents(&self) -> Vec<&AgentStatus> {
        self.desk
            .loaded()
            .map(|d| {
                d.agents
                    .iter()
                    .filter(|a| self.matches(&[&a.agent.name, a.state.label()]))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The complaints at risk the filter lets through.
    pub fn at_risk(&self) -> Vec<&Complaint> {
        self.at_risk
            .loaded()
            .map(|v| {
                v.iter()
                    .filter(|c| {
                        self.matches(&[
                            &c.category,
                            &c.summary,
                            c.owner.as_ref().map_or("", |o| o.name.as_str()),
                        ])
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn rows(&self, tab: DeskTab) -> usize {
        match tab {
            DeskTab::Queues => self.queues().len(),
            DeskTab::Agents => self.agents().len(),
            DeskTab::Approvals => self.waiting().len(),
            DeskTab::AtRisk => self.at_risk().len(),
        }
    }

    /// A character typed into the filter, or one taken off (`None`).
    pub fn type_filter(&mut self, c: Option<char>) {
        match c {
            Some(c) if !c.is_control() && self.filter.chars().count() < 60 => self.filter.push(c),
            Some(_) => {}
            None => {
                self.filter.pop();
            }
        }
        self.selected = [0; 4];
        self.clamp();
    }

    /// Keep every selection within its list.
    pub fn clamp(&mut self) {
        for t in DeskTab::ALL {
            let n = self.rows(t);
            let i = t.index();
            self.selected[i] = self.selected[i].min(n.saturating_sub(1));
        }
    }
}

/// Supervisors and admins.
pub fn is_supervisor(s: &AppState) -> bool {
    s.me.loaded().is_some_and(|m| m.agent.role != Role::Agent)
}

/// F5: open the desk (reading everything afresh), or leave it.
fn toggle(s: &mut AppState) -> Vec<Effect> {
    if !is_supervisor(s) {
        notice(
            s,
            "The supervisor desk is for supervisors and admins; you are signed in as an agent.",
        );
        return vec![];
    }
    if s.form.is_some() {
        notice(s, "Save or close the form before opening the desk.");
        return vec![];
    }
    if s.screen == Screen::Supervisor {
        s.screen = Screen::Search;
        return vec![];
    }
    let mut fx = if s.screen == Screen::Customer {
        vec![Effect::Presence(None)]
    } else {
        vec![]
    };
    s.screen = Screen::Supervisor;
    fx.extend(reload(s));
    fx
}

/// Read the desk, the approvals and the complaints at risk again.
fn reload(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    s.desk.request = id;
    if !s.desk.desk.is_loaded() {
        s.desk.desk = Load::Loading;
    }
    let mut fx = vec![Effect::Queues(QueuesEffect::LoadDesk { id })];
    fx.extend(load_approvals(s));
    fx.extend(load_at_risk(s));
    fx
}

fn load_approvals(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    if s.desk.approvals.start(id) {
        vec![Effect::Queues(QueuesEffect::LoadApprovals { id })]
    } else {
        vec![]
    }
}

fn load_at_risk(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    if s.desk.at_risk.start(id) {
        vec![Effect::Queues(QueuesEffect::LoadAtRisk { id })]
    } else {
        vec![]
    }
}

/// Commands while the desk is on screen; None for those it leaves to the
/// rest of the app (quit, help, search, review, retry). F5 anywhere.
pub fn command(s: &mut AppState, cmd: Command) -> Option<Vec<Effect>> {
    if cmd == Command::SupervisorDesk {
        return Some(toggle(s));
    }
    if cmd.supervisor_only() && !is_supervisor(s) {
        notice(s, "That is for supervisors and admins.");
        return Some(vec![]);
    }
    if s.screen != Screen::Supervisor {
        return if cmd.supervisor_only() {
            Some(vec![])
        } else {
            None
        };
    }
    if let Some(Overlay::WhatIf { .. }) = &s.desk.overlay
        && let Some(fx) = what_if_command(s, cmd)
    {
        return Some(fx);
    }
    if let Some(Overlay::Definitions(scroll)) = &mut s.desk.overlay {
        let page = super::update::PAGE as u16;
        let moved = match cmd {
            Command::Next => Some(scroll.saturating_add(1)),
            Command::Previous => Some(scroll.saturating_sub(1)),
            Command::PageDown => Some(scroll.saturating_add(page)),
            Command::PageUp => Some(scroll.saturating_sub(page)),
            Command::First => Some(0),
            _ => None,
        };
        if let Some(m) = moved {
            *scroll = m;
            return Some(vec![]);
        }
    }
    let d = &mut s.desk;
    let fx = match cmd {
        // `/` filters the list on screen; Enter keeps what is typed, Esc
        // clears it.
        Command::Search if d.overlay.is_none() => {
            d.filtering = true;
            vec![]
        }
        Command::Open if d.filtering => {
            d.filtering = false;
            vec![]
        }
        Command::Back if d.filtering || (!d.filter.is_empty() && d.overlay.is_none()) => {
            d.filtering = false;
            d.filter.clear();
            d.clamp();
            vec![]
        }
        Command::Back => {
            if d.overlay.take().is_none() {
                s.screen = Screen::Search;
            }
            vec![]
        }
        Command::DeskQueues => go(s, DeskTab::Queues),
        Command::DeskAgents => go(s, DeskTab::Agents),
        Command::DeskApprovals => go(s, DeskTab::Approvals),
        Command::DeskAtRisk => go(s, DeskTab::AtRisk),
        Command::NextTab | Command::PreviousTab => {
            let n = DeskTab::ALL.len();
            let i = d.tab.index();
            let j = if cmd == Command::NextTab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            go(s, DeskTab::ALL[j])
        }
        Command::Next
        | Command::Previous
        | Command::PageDown
        | Command::PageUp
        | Command::First
        | Command::Last => {
            let n = d.rows(d.tab);
            let i = d.tab.index();
            d.selected[i] = super::update::step(d.selected[i], n, cmd);
            vec![]
        }
        Command::Refresh => reload(s),
        Command::Definitions => {
            d.overlay = match d.overlay {
                Some(Overlay::Definitions(_)) => None,
                _ => Some(Overlay::Definitions(0)),
            };
            vec![]
        }
        Command::WhatIf => open_what_if(s, None),
        Command::Approve => decide_selected(s, true),
        Command::Reject => decide_selected(s, false),
        Command::Open => open_selected(s),
        Command::MoreAgents | Command::FewerAgents => vec![],
        _ => return None,
    };
    Some(fx)
}

fn go(s: &mut AppState, tab: DeskTab) -> Vec<Effect> {
    s.desk.tab = tab;
    s.desk.overlay = None;
    vec![]
}

/// The queue the what-if is about: the selected one of the queues tab.
fn selected_queue(s: &AppState) -> Option<i64> {
    s.desk
        .queues()
        .get(s.desk.selected(DeskTab::Queues))
        .map(|q| q.queue.id)
}

fn open_what_if(s: &mut AppState, agents: Option<u32>) -> Vec<Effect> {
    let Some(queue) = selected_queue(s) else {
        notice(s, "No queue to look at yet.");
        return vec![];
    };
    let id = s.fresh_id();
    let previous = match &s.desk.overlay {
        Some(Overlay::WhatIf {
            queue: q, result, ..
        }) if *q == queue => result.clone(),
        _ => Load::Loading,
    };
    s.desk.overlay = Some(Overlay::WhatIf {
        queue,
        agents,
        result: previous,
        request: id,
    });
    vec![Effect::Queues(QueuesEffect::WhatIf { id, queue, agents })]
}

fn what_if_command(s: &mut AppState, cmd: Command) -> Option<Vec<Effect>> {
    let Some(Overlay::WhatIf { agents, result, .. }) = &s.desk.overlay else {
        return None;
    };
    let current = agents.or_else(|| {
        result
            .loaded()
            .and_then(|w| w.required_agents.or(Some(w.staffed)))
    });
    match cmd {
        Command::MoreAgents | Command::Next => {
            let n = current.unwrap_or(1).saturating_add(1);
            Some(open_what_if(s, Some(n)))
        }
        Command::FewerAgents | Command::Previous => {
            let n = current.unwrap_or(2).saturating_sub(1).max(1);
            Some(open_what_if(s, Some(n)))
        }
        Command::WhatIf => {
            s.desk.overlay = None;
            Some(vec![])
        }
        _ => None,
    }
}

fn open_selected(s: &mut AppState) -> Vec<Effect> {
    let target = match s.desk.tab {
        DeskTab::Approvals => s
            .desk
            .waiting()
            .get(s.desk.selected(DeskTab::Approvals))
            .map(|a| (a.action.customer_id, a.customer_name.clone())),
        DeskTab::AtRisk => s
            .desk
            .at_risk()
            .get(s.desk.selected(DeskTab::AtRisk))
            .map(|c| (c.customer_id, String::new())),
        _ => None,
    };
    match target {
        Some((id, name)) => super::update::open_customer(s, id, name),
        None => vec![],
    }
}

fn selected_approval(s: &AppState) -> Option<Approval> {
    let i = s.desk.selected(DeskTab::Approvals);
    s.desk.waiting().get(i).map(|a| (*a).clone())
}

/// `y` or `x` on the desk: the selected approval. At 80 columns the
/// approvals must be on screen first (the key shows them); side by side
/// they always are.
fn decide_selected(s: &mut AppState, approve: bool) -> Vec<Effect> {
    if !s.wide() && s.desk.tab != DeskTab::Approvals {
        s.desk.tab = DeskTab::Approvals;
        notice(s, "These are the actions waiting: pick one, then decide.");
        return vec![];
    }
    let Some(a) = selected_approval(s) else {
        notice(s, "No recovery action is waiting for approval.");
        return vec![];
    };
    if approve {
        decide(s, &a, true, String::new())
    } else {
        s.desk.reject = Some(RejectPrompt {
            approval: a,
            text: String::new(),
            error: None,
        });
        vec![]
    }
}

/// "Refund £180.00 for Jane Okafor (#481)".
pub fn what(a: &Approval) -> String {
    let act = &a.action;
    let kind = match (act.amount_minor, act.currency.as_deref()) {
        (Some(m), Some(c)) => format!("{} {}", act.kind.label(), rapport_api::money::format(m, c)),
        _ => act.kind.label().to_string(),
    };
    format!(
        "{kind} for {} (#{})",
        clean(&a.customer_name),
        act.complaint_id
    )
}

fn decide(s: &mut AppState, a: &Approval, approve: bool, note: String) -> Vec<Effect> {
    let verb = if approve { "approve" } else { "reject" };
    let request = WriteRequest {
        method: WriteMethod::Post,
        path: format!("/v1/recovery-actions/{}/{verb}", a.action.id),
        if_match: None,
        body: json!({ "note": note }),
        summary: format!("{} {}", if approve { "Approve" } else { "Reject" }, what(a)),
        customer_id: Some(a.action.customer_id),
        kind: WriteKind::Decision {
            action_id: a.action.id,
            approve,
        },
        draft: None,
    };
    s.desk.deciding.push(a.action.id);
    s.desk.clamp();
    let tag = s.fresh_id();
    vec![Effect::Enqueue {
        tag,
        request: Box::new(request),
    }]
}

/// A key in the rejection's reason prompt.
pub fn reject_key(s: &mut AppState, ev: &KeyEvent) -> Vec<Effect> {
    let Some(p) = s.desk.reject.as_mut() else {
        return vec![];
    };
    match ev.code {
        KeyCode::Enter => {
            let note = p.text.trim().to_string();
            if note.is_empty() {
                p.error = Some("Say why it is rejected: the reason is recorded.".into());
                return vec![];
            }
            let a = p.approval.clone();
            s.desk.reject = None;
            decide(s, &a, false, note)
        }
        KeyCode::Esc => {
            s.desk.reject = None;
            vec![]
        }
        KeyCode::Backspace => {
            p.text.pop();
            vec![]
        }
        KeyCode::Char(c) if !c.is_control() && p.text.chars().count() < 500 => {
            p.text.push(c);
            p.error = None;
            vec![]
        }
        _ => vec![],
    }
}

/// The outbox has the decision on action `id` acknowledged or refused.
pub fn decision_done(s: &mut AppState, action_id: i64, refused: bool) -> Vec<Effect> {
    s.desk.deciding.retain(|x| *x != action_id);
    if let Load::Loaded(v) = &mut s.desk.approvals.list
        && !refused
    {
        v.retain(|a| a.action.id != action_id);
    }
    s.desk.clamp();
    if refused {
        // It may have been decided by someone else: read the list again.
        return load_approvals(s);
    }
    vec![]
}

pub fn action(s: &mut AppState, a: QueuesAction) -> Vec<Effect> {
    match a {
        QueuesAction::DeskLoaded(id, r) => {
            if id != s.desk.request {
                return vec![];
            }
            match r {
                Ok(d) => {
                    s.calls.queues = d.queues.clone();
                    s.desk.desk = Load::Loaded(*d);
                }
                Err(e) => {
                    if !s.desk.desk.is_loaded() {
                        s.desk.desk = Load::Failed(e.clone());
                    }
                    s.last_error = Some(e.to_string());
                }
            }
        }
        QueuesAction::ApprovalsLoaded(id, r) => {
            let again = s.desk.approvals.landed(id, r, &mut s.last_error);
            s.desk.clamp();
            return if again { load_approvals(s) } else { vec![] };
        }
        QueuesAction::AtRiskLoaded(id, r) => {
            let again = s.desk.at_risk.landed(id, r, &mut s.last_error);
            s.desk.clamp();
            return if again { load_at_risk(s) } else { vec![] };
        }
        QueuesAction::WhatIfLoaded(id, r) => {
            if let Some(Overlay::WhatIf {
                request, result, ..
            }) = &mut s.desk.overlay
                && *request == id
            {
                *result = match r {
                    Ok(w) => Load::Loaded(w),
                    Err(e) => Load::Failed(e),
                };
            }
        }
        _ => {}
    }
    s.desk.clamp();
    vec![]
}

/// A desk snapshot from the event stream.
pub fn desk_event(s: &mut AppState, d: Desk) -> Vec<Effect> {
    // An agent's stream carries no agents table: only the queues are kept.
    if is_supervisor(s) {
        s.desk.desk = Load::Loaded(d);
        s.desk.clamp();
    }
    vec![]
}

/// Another agent's state changed: their row on the desk follows at once.
pub fn agent_event(s: &mut AppState, st: AgentStatus) {
    if let Load::Loaded(d) = &mut s.desk.desk
        && let Some(row) = d.agents.iter_mut().find(|a| a.agent.id == st.agent.id)
        && row.since <= st.since
    {
        *row = st;
    }
}

/// A recovery action or complaint changed: the lists the desk shows are
/// read again (while it is open).
pub fn lists_changed(s: &mut AppState, approvals: bool, at_risk: bool) -> Vec<Effect> {
    if s.screen != Screen::Supervisor || !is_supervisor(s) {
        // Read afresh when the desk opens.
        return vec![];
    }
    let mut fx = Vec::new();
    if approvals {
        fx.extend(load_approvals(s));
    }
    if at_risk {
        fx.extend(load_at_risk(s));
    }
    fx
}

/// The desk's clocks (longest waits, times in state, SLA countdowns) show
/// seconds: while it is on screen the clock wakes it once a second.
pub fn next_change(s: &AppState) -> Option<i64> {
    (s.screen == Screen::Supervisor && s.desk.desk.is_loaded()).then_some(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, update};
    use crate::fixtures;
    use crossterm::event::{KeyEvent, KeyModifiers};
    use rapport_api::{Event, EventBody, RecoveryStatus};

    fn cmd(s: &mut AppState, c: Command) -> Vec<Effect> {
        update(s, Action::Command(c))
    }

    fn typed(s: &mut AppState, text: &str) {
        for c in text.chars() {
            update(
                s,
                Action::Queues(Box::new(QueuesAction::ModalKey(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                )))),
            );
        }
    }

    fn enter(s: &mut AppState) -> Vec<Effect> {
        update(
            s,
            Action::Queues(Box::new(QueuesAction::ModalKey(KeyEvent::new(
                KeyCode::Enter,
                KeyModifiers::NONE,
            )))),
        )
    }

    /// `/` on the desk filters the list on screen; the keys act on what is
    /// shown; Esc clears it.
    #[test]
    fn slash_filters_the_list_on_screen() {
        use crate::app::input::key_to_action;
        use crate::keymap::Keymap;
        let k = Keymap::default();
        let key = |s: &AppState, code: KeyCode| {
            key_to_action(s, &k, &KeyEvent::new(code, KeyModifiers::NONE)).unwrap()
        };
        let mut s = fixtures::state_supervisor();
        cmd(&mut s, Command::DeskApprovals);
        assert_eq!(s.desk.waiting().len(), 2);
        let a = key(&s, KeyCode::Char('/'));
        update(&mut s, a);
        assert!(s.desk.filtering);
        assert_eq!(s.screen, Screen::Supervisor, "the desk stays");
        // Letters type into the filter, not as keys (x would reject).
        for c in "chidi x".chars().take(5) {
            let a = key(&s, KeyCode::Char(c));
            assert_eq!(a, Action::Input(c));
            update(&mut s, a);
        }
        assert!(s.desk.reject.is_none());
        assert_eq!(s.desk.filter, "chidi");
        let names: Vec<_> = s
            .desk
            .waiting()
            .iter()
            .map(|a| a.customer_name.clone())
            .collect();
        assert_eq!(names, ["Chidi Okafor"]);
        // Enter keeps it; the keys act on the rows shown.
        let a = key(&s, KeyCode::Enter);
        update(&mut s, a);
        assert!(!s.desk.filtering);
        let fx = cmd(&mut s, Command::Approve);
        let [Effect::Enqueue { request, .. }] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(request.path, "/v1/recovery-actions/903/approve");
        // Other tabs filter too; nothing matching says so.
        cmd(&mut s, Command::DeskQueues);
        assert!(s.desk.queues().is_empty());
        // Esc clears the filter before it leaves the desk.
        cmd(&mut s, Command::Back);
        assert!(s.desk.filter.is_empty());
        assert_eq!(s.screen, Screen::Supervisor);
        assert!(!s.desk.queues().is_empty());
        cmd(&mut s, Command::Back);
        assert_eq!(s.screen, Screen::Search);
    }

    #[test]
    fn agents_are_refused_the_desk() {
        let mut s = fixtures::state_signed_in();
        assert!(cmd(&mut s, Command::SupervisorDesk).is_empty());
        assert_eq!(s.screen, Screen::Search);
        assert!(
            s.notice
                .as_ref()
                .unwrap()
                .0
                .contains("for supervisors and admins")
        );
        cmd(&mut s, Command::Approve);
        assert!(s.notice.as_ref().unwrap().0.contains("supervisors"));
    }

    #[test]
    fn the_desk_opens_with_everything_read_and_f5_leaves_it() {
        let s = fixtures::state_supervisor();
        assert_eq!(s.screen, Screen::Supervisor);
        assert!(
            s.desk.desk.is_loaded() && s.desk.approvals.is_loaded() && s.desk.at_risk.is_loaded()
        );
        let mut s = s;
        cmd(&mut s, Command::SupervisorDesk);
        assert_eq!(s.screen, Screen::Search);
    }

    #[test]
    fn one_key_approves_and_a_rejection_records_its_reason() {
        let mut s = fixtures::state_supervisor();
        // At 80 columns the first press shows the approvals.
        cmd(&mut s, Command::Approve);
        assert_eq!(s.desk.tab, DeskTab::Approvals);
        let fx = cmd(&mut s, Command::Approve);
        let [Effect::Enqueue { request, .. }] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(request.path, "/v1/recovery-actions/902/approve");
        assert_eq!(
            request.summary,
            "Approve Refund £180.00 for Jane Okafor-Lindqvist (#477)"
        );
        assert_eq!(
            s.desk.waiting().len(),
            1,
            "decided: out of the list at once"
        );
        // x asks why; an empty reason is not taken.
        assert!(cmd(&mut s, Command::Reject).is_empty());
        assert!(s.desk.reject.is_some());
        assert!(enter(&mut s).is_empty());
        assert!(s.desk.reject.as_ref().unwrap().error.is_some());
        typed(&mut s, "Voucher already sent");
        let fx = enter(&mut s);
        let [Effect::Enqueue { request, .. }] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(request.path, "/v1/recovery-actions/903/reject");
        assert_eq!(request.body["note"], "Voucher already sent");
        assert!(s.desk.reject.is_none());
        assert!(s.desk.waiting().is_empty());
        // The server's acknowledgement drops them for good.
        update(
            &mut s,
            Action::WriteAcked {
                seq: 1,
                kind: crate::app::WriteKind::Decision {
                    action_id: 902,
                    approve: true,
                },
                customer_id: Some(12345),
                reply: serde_json::Value::Null,
                replayed: false,
                queued: 0,
            },
        );
        assert_eq!(s.desk.approvals.loaded().unwrap().len(), 1);
        assert_eq!(s.desk.deciding, vec![903]);
    }

    #[test]
    fn a_new_pending_action_reads_the_approvals_again() {
        let mut s = fixtures::state_supervisor();
        let mut a = fixtures::approvals()[0].action.clone();
        a.id = 904;
        a.status = RecoveryStatus::PendingApproval;
        let fx = update(
            &mut s,
            Action::ServerEvent(Box::new(Event {
                id: Some(50),
                at: fixtures::now(),
                by: None,
                customer_id: Some(12345),
                body: EventBody::RecoveryActionChanged(a),
            })),
        );
        assert!(
            fx.iter()
                .any(|f| matches!(f, Effect::Queues(QueuesEffect::LoadApprovals { .. }))),
            "{fx:?}"
        );
        // A second change while that read is out waits for it.
        let again = lists_changed(&mut s, true, false);
        assert!(again.is_empty());
        assert!(s.desk.approvals.stale);
    }

    #[test]
    fn the_what_if_follows_plus_and_minus() {
        let mut s = fixtures::state_supervisor();
        let fx = cmd(&mut s, Command::WhatIf);
        let [
            Effect::Queues(QueuesEffect::WhatIf {
                id,
                queue: 1,
                agents: None,
            }),
        ] = fx[..]
        else {
            panic!("{fx:?}")
        };
        update(
            &mut s,
            Action::Queues(Box::new(QueuesAction::WhatIfLoaded(
                id,
                Ok(fixtures::what_if()),
            ))),
        );
        let fx = cmd(&mut s, Command::MoreAgents);
        assert!(matches!(
            fx[..],
            [Effect::Queues(QueuesEffect::WhatIf {
                agents: Some(17),
                ..
            })]
        ));
        let fx = cmd(&mut s, Command::FewerAgents);
        assert!(
            matches!(
                fx[..],
                [Effect::Queues(QueuesEffect::WhatIf {
                    agents: Some(16),
                    ..
                })]
            ),
            "{fx:?}"
        );
        cmd(&mut s, Command::Back);
        assert!(s.desk.overlay.is_none());
        assert_eq!(s.screen, Screen::Supervisor, "Esc closes the overlay first");
        cmd(&mut s, Command::Back);
        assert_eq!(s.screen, Screen::Search);
    }

    #[test]
    fn snapshots_replace_the_desk_and_agents_follow_their_events() {
        let mut s = fixtures::state_supervisor();
        let mut d = fixtures::desk();
        d.queues[0].waiting = 11;
        update(
            &mut s,
            Action::ServerEvent(Box::new(Event {
                id: None,
                at: fixtures::now(),
                by: None,
                customer_id: None,
                body: EventBody::Desk(Box::new(d)),
            })),
        );
        assert_eq!(s.desk.desk.loaded().unwrap().queues[0].waiting, 11);
        assert_eq!(s.calls.queues[0].waiting, 11);
        let mut tom = s.desk.desk.loaded().unwrap().agents[1].clone();
        tom.state = rapport_api::AgentState::Available;
        tom.since = fixtures::now();
        update(
            &mut s,
            Action::ServerEvent(Box::new(Event {
                id: Some(60),
                at: fixtures::now(),
                by: None,
                customer_id: None,
                body: EventBody::AgentState(tom),
            })),
        );
        assert_eq!(
            s.desk.desk.loaded().unwrap().agents[1].state,
            rapport_api::AgentState::Available
        );
        assert_eq!(next_change(&s), Some(1), "the desk's clocks tick");
    }
}
