//! Screens drawn from hand-built fixtures through the real `update` and
//! `draw`, into ratatui's TestBackend.
//!
//! - Text snapshots of every screen at 80x24 and 160x48, default and mono.
//! - Styled snapshots (content plus every style run) of the main screens in
//!   the default theme, so a colour regression shows as a diff.
//! - Cell assertions for what colour and reverse video must carry.
//! - Hostile text: no control character ever reaches a cell.
//! - Any size, down to 0x0, draws without panicking.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use rapport::app::{Action, AppState, update};
use rapport::fixtures;
use rapport::keymap::{Command, Keymap};
use rapport::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn render_with(s: &AppState, theme: &Theme, w: u16, h: u16) -> Buffer {
    let mut s = s.clone();
    update(&mut s, Action::Resize(w, h));
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| rapport::ui::draw(f, &s, theme, &Keymap::default()))
        .unwrap();
    term.backend().buffer().clone()
}

fn render(s: &AppState, theme: &str, w: u16, h: u16) -> Buffer {
    render_with(s, &Theme::builtin(theme), w, h)
}

/// The screen as text, wide characters once.
fn text(b: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut skip = 0;
        for x in 0..b.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = b[(x, y)].symbol();
            out.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push('\n');
    }
    out
}

/// (x, y) of the first cell where `needle` starts on screen.
fn find(b: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let screen = text(b);
    for (y, line) in screen.lines().enumerate() {
        if let Some(i) = line.find(needle) {
            let x = unicode_width::UnicodeWidthStr::width(&line[..i]);
            return Some((x as u16, y as u16));
        }
    }
    None
}

fn customer() -> AppState {
    fixtures::state_with_customer(fixtures::customer_view())
}

fn cmd(mut s: AppState, c: Command) -> AppState {
    update(&mut s, Action::Command(c));
    s
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];
const THEMES: [&str; 2] = ["default", "mono"];

#[test]
fn search_screen() {
    for (w, h) in SIZES {
        for theme in THEMES {
            insta::assert_snapshot!(
                format!("search_empty_{w}x{h}_{theme}"),
                text(&render(&fixtures::state_signed_in(), theme, w, h))
            );
            insta::assert_snapshot!(
                format!("search_results_{w}x{h}_{theme}"),
                text(&render(&fixtures::state_with_results(), theme, w, h))
            );
        }
    }
}

#[test]
fn customer_screen_every_tab() {
    for (w, h) in SIZES {
        for theme in THEMES {
            insta::assert_snapshot!(
                format!("customer_{w}x{h}_{theme}"),
                text(&render(&customer(), theme, w, h))
            );
        }
    }
    for theme in THEMES {
        for (c, name) in [
            (Command::TabHistory, "history"),
            (Command::TabComplaints, "complaints"),
            (Command::TabOffers, "offers"),
            (Command::TabPreferences, "prefs"),
        ] {
            insta::assert_snapshot!(
                format!("customer_{name}_80x24_{theme}"),
                text(&render(&cmd(customer(), c), theme, 80, 24))
            );
        }
    }
}

#[test]
fn wide_customer_with_complaints_focused() {
    let mut s = customer();
    update(&mut s, Action::Resize(160, 48));
    update(&mut s, Action::Command(Command::NextTab));
    update(&mut s, Action::Command(Command::Next));
    insta::assert_snapshot!(
        "customer_complaints_focused_160x48",
        text(&render(&s, "mono", 160, 48))
    );
}

#[test]
fn cjk_customer() {
    for (w, h) in SIZES {
        let s = fixtures::state_with_customer(fixtures::cjk_customer_view());
        let b = render(&s, "default", w, h);
        let screen = text(&b);
        assert!(screen.contains("山田 太郎"), "{screen}");
        assert!(screen.contains("¥1,234,500"), "yen, no decimals:\n{screen}");
        insta::assert_snapshot!(format!("customer_cjk_{w}x{h}"), screen);
    }
}

#[test]
fn help_overlay() {
    for (w, h) in SIZES {
        let s = cmd(fixtures::state_signed_in(), Command::Help);
        insta::assert_snapshot!(format!("help_{w}x{h}"), text(&render(&s, "default", w, h)));
    }
    // Scrolled to the end, the figure definitions show.
    let mut s = cmd(customer(), Command::Help);
    for _ in 0..20 {
        update(&mut s, Action::Command(Command::PageDown));
    }
    let screen = text(&render(&s, "default", 80, 24));
    assert!(
        screen.contains("What the figures mean") || screen.contains("Monetary"),
        "{screen}"
    );
}

#[test]
fn command_palette() {
    for (w, h) in SIZES {
        let mut s = cmd(customer(), Command::Palette);
        insta::assert_snapshot!(
            format!("palette_customer_{w}x{h}"),
            text(&render(&s, "default", w, h))
        );
        for c in "compl".chars() {
            update(&mut s, Action::Input(c));
        }
        update(&mut s, Action::Command(Command::Next));
        insta::assert_snapshot!(
            format!("palette_filtered_{w}x{h}_mono"),
            text(&render(&s, "mono", w, h))
        );
    }
    // Over the search box, keys that would type are not offered as keys.
    let s = cmd(fixtures::state_with_results(), Command::Palette);
    let screen = text(&render(&s, "default", 80, 24));
    assert!(screen.contains("Clear the search box"), "{screen}");
    assert!(screen.contains("Ctrl-c"), "{screen}");
    let quit = screen.lines().find(|l| l.contains("Quit (the")).unwrap();
    assert!(
        quit.contains("Ctrl-c┃"),
        "q types in the search box:\n{screen}"
    );
    insta::assert_snapshot!("palette_search_80x24", screen);
}

#[test]
fn revealing_contact_details() {
    for (w, h) in SIZES {
        let mut s = cmd(customer(), Command::RevealContact);
        insta::assert_snapshot!(
            format!("reveal_asking_{w}x{h}"),
            text(&render(&s, "default", w, h))
        );
        let fx = update(&mut s, Action::Command(Command::Open));
        let [rapport::app::Effect::Reveal { id, .. }] = fx.as_slice() else {
            panic!("{fx:?}")
        };
        // The full details come only from the reveal.
        let p = fixtures::unmasked_customer_view().profile;
        let r = rapport_api::RevealedContact {
            customer_id: p.id,
            phones: p.phones.clone(),
            emails: p.emails.clone(),
            address: p.address.clone(),
            birthday: p.birthday,
            reason: rapport_api::privacy::REVEAL_REASONS[0].into(),
            revealed_at: fixtures::now(),
            revealed_by: rapport_api::AgentRef {
                id: 1,
                name: "Mei Lin".into(),
            },
            audit_id: 4321,
        };
        update(&mut s, Action::RevealDone(*id, Ok(Box::new(r))));
        let screen = text(&render(&s, "mono", w, h));
        assert!(screen.contains("#4321"), "{screen}");
        insta::assert_snapshot!(format!("reveal_details_{w}x{h}_mono"), screen);
        // Closed, the profile shows the details unmasked.
        update(&mut s, Action::Command(Command::Back));
        let screen = text(&render(&s, "default", w, h));
        assert!(screen.contains("shown in full"), "{screen}");
        assert!(!screen.contains("•••"), "nothing masked:\n{screen}");
    }
}

#[test]
fn loading_failing_and_offline_states() {
    let mut s = fixtures::state_with_results();
    let fx = update(&mut s, Action::Command(Command::Open));
    insta::assert_snapshot!(
        "customer_loading_80x24",
        text(&render(&s, "default", 80, 24))
    );
    let rapport::app::Effect::LoadView { id, .. } = fx[0] else {
        panic!()
    };
    let down = rapport::api::ApiError::Unreachable {
        url: "http://127.0.0.1:8080".into(),
        reason: "connection refused".into(),
    };
    update(&mut s, Action::ViewDone(id, Err(down)));
    let b = render(&s, "default", 80, 24);
    let screen = text(&b);
    assert!(screen.contains("reconnecting"), "{screen}");
    assert!(screen.contains("connection refused"), "{screen}");
    insta::assert_snapshot!("customer_failed_offline_80x24", screen);
}

#[test]
fn styled_snapshots_of_the_default_theme() {
    // Content and every change of style: a colour regression is a diff.
    insta::assert_snapshot!(
        "styled_search_results_80x24",
        format!(
            "{:?}",
            render(&fixtures::state_with_results(), "default", 80, 24)
        )
    );
    insta::assert_snapshot!(
        "styled_customer_80x24",
        format!("{:?}", render(&customer(), "default", 80, 24))
    );
    insta::assert_snapshot!(
        "styled_customer_160x48",
        format!("{:?}", render(&customer(), "default", 160, 48))
    );
}

#[test]
fn selection_shows_by_colour_and_without_it() {
    let s = fixtures::state_with_results();
    let b = render(&s, "default", 80, 24);
    let (x, y) = find(&b, "▶").expect("marker drawn");
    assert_eq!(b[(x + 3, y)].bg, Color::Cyan, "default: coloured bar");
    let b = render(&s, "mono", 80, 24);
    assert!(
        b[(x + 3, y)].modifier.contains(Modifier::REVERSED),
        "mono: reverse video"
    );
    assert_eq!(b[(x + 3, y)].bg, Color::Reset, "mono: no colour");
    assert_eq!(b[(x + 3, y)].fg, Color::Reset);
}

#[test]
fn matched_characters_are_highlighted() {
    // "oka" in "Jane Okafor-Lindqvist" (not selected: second row is 山田).
    let mut s = fixtures::state_with_results();
    update(&mut s, Action::Command(Command::Next));
    let b = render(&s, "default", 80, 24);
    let (x, y) = find(&b, "Jane Okafor").unwrap();
    let hl = Theme::builtin("default").highlight;
    for i in 5..8 {
        assert_eq!(
            b[(x + i, y)].fg,
            hl.fg.unwrap(),
            "'{}' highlighted",
            b[(x + i, y)].symbol()
        );
        assert!(b[(x + i, y)].modifier.contains(Modifier::UNDERLINED));
    }
    assert_ne!(b[(x + 4, y)].fg, hl.fg.unwrap(), "the space before is not");
    // The phone digits of a phone match are highlighted too.
    let mut s = fixtures::state_signed_in();
    for c in "9012".chars() {
        update(&mut s, Action::Input(c));
    }
    let id = s.search.latest;
    update(
        &mut s,
        Action::SearchDone(id, Ok(fixtures::search_response())),
    );
    let b = render(&s, "mono", 80, 24);
    let (x, y) = find(&b, "+81 90 1234").unwrap();
    assert!(
        b[(x + 4, y)].modifier.contains(Modifier::UNDERLINED),
        "9 of 90"
    );
}

#[test]
fn sla_breach_and_warning_are_coloured_and_worded() {
    let s = cmd(customer(), Command::TabComplaints);
    let b = render(&s, "default", 80, 24);
    let (x, y) = find(&b, "⚠ SLA 3h late").expect("breach in words");
    assert_eq!(b[(x, y)].fg, Color::LightRed);
    let (x, y) = find(&b, "⏱ SLA 2h 10m left").expect("countdown in words");
    assert_eq!(b[(x, y)].fg, Color::Yellow);
    let b = render(&s, "mono", 80, 24);
    let (x, y) = find(&b, "⚠ SLA 3h late").unwrap();
    assert!(
        b[(x, y)].modifier.contains(Modifier::REVERSED),
        "mono: danger is reversed"
    );
}

#[test]
fn status_bar_names_agent_server_and_link() {
    let b = render(&customer(), "default", 80, 24);
    let first = text(&b).lines().next().unwrap().to_string();
    assert!(first.contains("Mei Lin · agent"), "{first}");
    assert!(first.contains("http://127.0.0.1:8080"), "{first}");
    assert!(first.contains("● live"), "{first}");
    assert_eq!(b[(0, 0)].bg, Color::Blue);
}

fn assert_no_control_characters(b: &Buffer) {
    for cell in b.content() {
        for c in cell.symbol().chars() {
            assert!(
                !c.is_control()
                    && !('\u{202A}'..='\u{202E}').contains(&c)
                    && !('\u{2066}'..='\u{2069}').contains(&c),
                "control character {c:?} in a cell"
            );
        }
    }
}

#[test]
fn escape_sequences_never_reach_the_terminal() {
    let s = fixtures::state_with_customer(fixtures::hostile_customer_view());
    for tab in [
        Command::TabOverview,
        Command::TabHistory,
        Command::TabComplaints,
        Command::TabPreferences,
    ] {
        let s = cmd(s.clone(), tab);
        for (w, h) in SIZES {
            let b = render(&s, "default", w, h);
            assert_no_control_characters(&b);
        }
    }
    let b = render(&cmd(s.clone(), Command::TabPreferences), "default", 80, 24);
    let screen = text(&b);
    assert!(
        screen.contains("␛[31mRED␛[0m"),
        "escapes shown as text:\n{screen}"
    );
    insta::assert_snapshot!("customer_hostile_prefs_80x24", screen);
    insta::assert_snapshot!(
        "customer_hostile_160x48",
        text(&render(&s, "default", 160, 48))
    );
    // Jane's chat note carries escapes too.
    let b = render(&cmd(customer(), Command::TabHistory), "default", 80, 24);
    assert!(text(&b).contains("␛[31mURGENT"), "{}", text(&b));
    assert_no_control_characters(&b);
}

#[test]
fn any_size_draws_without_panic() {
    let states = [
        fixtures::state_signed_in(),
        fixtures::state_with_results(),
        customer(),
        cmd(customer(), Command::TabComplaints),
        fixtures::state_with_customer(fixtures::hostile_customer_view()),
        fixtures::state_with_customer(fixtures::cjk_customer_view()),
        cmd(customer(), Command::Help),
        interaction_form(),
        recovery_form(),
        review_with_conflict_and_draft(),
    ];
    for s in &states {
        for (w, h) in [
            (0, 0),
            (1, 1),
            (10, 3),
            (20, 5),
            (39, 9),
            (40, 10),
            (41, 11),
            (80, 24),
            (139, 40),
            (140, 29),
            (140, 30),
            (300, 100),
            (1000, 3),
            (3, 500),
        ] {
            let b = render(s, "default", w, h);
            if (20..40).contains(&w) && (5..10).contains(&h) {
                assert!(text(&b).contains("Terminal too small"), "{w}x{h}");
            }
        }
    }
}

fn key(s: &mut AppState, code: KeyCode) {
    update(s, Action::FormKey(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_in(s: &mut AppState, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

/// Recording an interaction: reason picked by typing, notes on two lines,
/// the outcome field in focus.
fn interaction_form() -> AppState {
    let mut s = cmd(customer(), Command::RecordInteraction);
    type_in(&mut s, "roam");
    key(&mut s, KeyCode::Enter);
    type_in(&mut s, "Charged £47.85 for data in Mexico without a pack.");
    key(&mut s, KeyCode::Enter);
    type_in(&mut s, "Added the roaming pack and backdated it.");
    update(&mut s, Action::Command(Command::NextField));
    s
}

/// A refund over the agent's authority on the first complaint.
fn recovery_form() -> AppState {
    let mut s = cmd(customer(), Command::RecoveryAction);
    key(&mut s, KeyCode::Right);
    update(&mut s, Action::Command(Command::NextField));
    type_in(&mut s, "180");
    s
}

/// Refused: a stale complaint update (with the record as it is now) and an
/// unknown reason; plus a draft left by a crash.
fn review_with_conflict_and_draft() -> AppState {
    use rapport::app::{Form, WriteKind, WriteMethod, WriteRequest};
    use rapport::outbox::{Entry, Failed};
    let v = fixtures::customer_view();
    let mut now = serde_json::to_value(&v.open_complaints[0]).unwrap();
    now["version"] = 3.into();
    now["status"] = "response_sent".into();
    now["owner"] = serde_json::json!({"id": 7, "name": "Tom Baker"});
    let stale = Failed {
        entry: Entry {
            seq: 4,
            key: "k4".into(),
            queued_at: fixtures::now(),
            request: WriteRequest {
                method: WriteMethod::Patch,
                path: "/v1/complaints/481".into(),
                if_match: Some(2),
                body: serde_json::json!({"status": "resolved", "resolution_note": "Refunded the delivery fee", "owner_id": 1}),
                summary: "Complaint #481 for Jane Okafor-Lindqvist".into(),
                customer_id: Some(12345),
                kind: WriteKind::ComplaintUpdate { complaint_id: 481 },
                draft: None,
            },
        },
        status: Some(412),
        reason: "Complaint #481 was changed by Tom Baker since you read it.".into(),
        current: Some(now),
        failed_at: fixtures::now() - chrono::Duration::minutes(3),
    };
    let mut f = Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now());
    f.fields[1].set_value("Customer wants to cancel: \x1b[2J double billing");
    let draft = f.draft(fixtures::now() - chrono::Duration::minutes(12));
    let mut s = customer();
    update(
        &mut s,
        Action::Recovered {
            queued: vec![],
            failed: vec![stale],
            drafts: vec![draft],
            files: vec![],
        },
    );
    s
}

#[test]
fn forms_at_both_sizes() {
    for (w, h) in SIZES {
        insta::assert_snapshot!(
            format!("form_interaction_{w}x{h}"),
            text(&render(&interaction_form(), "default", w, h))
        );
        insta::assert_snapshot!(
            format!("form_recovery_{w}x{h}"),
            text(&render(&recovery_form(), "default", w, h))
        );
    }
    insta::assert_snapshot!(
        "form_interaction_80x24_mono",
        text(&render(&interaction_form(), "mono", 80, 24))
    );
    let screen = text(&render(&recovery_form(), "default", 80, 24));
    assert!(screen.contains("£50.00 per action"), "{screen}");
    assert!(screen.contains("will wait for a supervisor"), "{screen}");
    let mut s = cmd(customer(), Command::TabComplaints);
    s = cmd(s, Command::UpdateComplaint);
    insta::assert_snapshot!(
        "form_update_complaint_80x24",
        text(&render(&s, "default", 80, 24))
    );
    insta::assert_snapshot!(
        "form_preferences_80x24",
        text(&render(
            &cmd(customer(), Command::EditPreferences),
            "default",
            80,
            24
        ))
    );
    let mut s = cmd(customer(), Command::NewComplaint);
    update(&mut s, Action::Command(Command::Save));
    let screen = text(&render(&s, "default", 80, 24));
    assert!(screen.contains("Category is required."), "{screen}");
}

#[test]
fn refused_changes_and_drafts_for_review() {
    let s = review_with_conflict_and_draft();
    let screen = text(&render(&s, "default", 80, 24));
    assert!(screen.contains("Yours, beside what it is now"), "{screen}");
    assert!(
        screen.contains("resolved") && screen.contains("response sent"),
        "{screen}"
    );
    assert!(
        screen.contains("you ") && screen.contains("Tom Baker"),
        "{screen}"
    );
    insta::assert_snapshot!("review_conflict_80x24", screen);
    let mut s = s;
    update(&mut s, Action::Command(Command::Next));
    let b = render(&s, "default", 160, 48);
    assert_no_control_characters(&b);
    insta::assert_snapshot!("review_draft_160x48", text(&b));
}

/// A draft that could not be written and a queued change that could not be
/// be read: both in the status bar and the review overlay, file named; the
/// discard key asks first.
#[test]
fn files_not_written_or_read_are_shown_and_named() {
    use rapport::app::{FileTrouble, Form, TroubleKind};
    let v = fixtures::customer_view();
    let f = Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now());
    let draft = f.draft(fixtures::now());
    let mut s = customer();
    update(
        &mut s,
        Action::Recovered {
            queued: vec![],
            failed: vec![],
            drafts: vec![],
            files: vec![FileTrouble {
                kind: TroubleKind::OutboxUnreadable,
                path: "/home/ann/.local/share/rapport/outbox/demo/unreadable/00000000000000000007.json"
                    .into(),
                reason: "EOF while parsing an object at line 1 column 120".into(),
                at: fixtures::now() - chrono::Duration::minutes(2),
            }],
        },
    );
    update(&mut s, Action::Command(Command::Back));
    update(
        &mut s,
        Action::FileTrouble(Box::new(FileTrouble {
            kind: TroubleKind::DraftNotWritten(Box::new(draft)),
            path: "/home/ann/.local/share/rapport/drafts/demo/interaction-12345.json".into(),
            reason: "No space left on device (os error 28)".into(),
            at: fixtures::now(),
        })),
    );
    let screen = text(&render(&s, "default", 80, 24));
    let top = screen.lines().next().unwrap();
    assert!(top.contains("2 files need you (!)"), "{top}");
    assert!(top.contains("Not saved to disk"), "{top}");
    insta::assert_snapshot!("files_in_trouble_status_80x24", screen);
    update(&mut s, Action::Command(Command::ReviewChanges));
    let screen = text(&render(&s, "default", 80, 24));
    assert!(screen.contains("queued change unreadable"), "{screen}");
    assert!(screen.contains("00000000000000000007.json"), "{screen}");
    assert!(screen.contains("retry"), "{screen}");
    insta::assert_snapshot!("files_in_trouble_review_80x24", screen);
    // Discard asks first, and nothing is deleted on the first press.
    let fx = update(&mut s, Action::Command(Command::Discard));
    assert!(fx.is_empty(), "{fx:?}");
    let screen = text(&render(&s, "default", 80, 24));
    assert!(screen.contains("Delete this file for good?"), "{screen}");
    insta::assert_snapshot!("files_in_trouble_confirm_80x24", screen);
    // Any other key keeps it.
    update(&mut s, Action::Command(Command::Next));
    update(&mut s, Action::Command(Command::Previous));
    assert!(update(&mut s, Action::Command(Command::Discard)).is_empty());
    let fx = update(&mut s, Action::Command(Command::Discard));
    assert!(
        matches!(fx.as_slice(), [rapport::app::Effect::DiscardFile(t)] if t.kind == TroubleKind::OutboxUnreadable),
        "{fx:?}"
    );
    // Retry on the draft writes it again.
    update(&mut s, Action::Command(Command::Next));
    let fx = update(&mut s, Action::Command(Command::Open));
    assert!(
        matches!(fx.as_slice(), [rapport::app::Effect::RetryFile(t)] if matches!(t.kind, TroubleKind::DraftNotWritten(_))),
        "{fx:?}"
    );
    // Written at last: it leaves the list and the status bar.
    let path = s.files[1].path.clone();
    update(&mut s, Action::FileOk { path, draft: None });
    assert_eq!(s.files.len(), 1);
}

#[test]
fn queued_and_refused_changes_show_in_the_status_bar() {
    use rapport::app::{WriteKind, WriteMethod, WriteRequest};
    use rapport::outbox::Entry;
    let mut s = customer();
    let request = WriteRequest {
        method: WriteMethod::Post,
        path: "/v1/interactions".into(),
        if_match: None,
        body: serde_json::json!({}),
        summary: "Billing query for Jane Okafor-Lindqvist".into(),
        customer_id: Some(12345),
        kind: WriteKind::Interaction,
        draft: None,
    };
    for seq in 1..=2 {
        update(
            &mut s,
            Action::Queued {
                tag: 0,
                entry: Box::new(Entry {
                    seq,
                    key: format!("k{seq}"),
                    queued_at: fixtures::now(),
                    request: request.clone(),
                }),
                queued: seq as usize,
            },
        );
    }
    update(
        &mut s,
        Action::WriteRetrying {
            queued: 2,
            attempt: 3,
            retry_in_ms: 4000,
            reason: "Server not reachable at http://127.0.0.1:8080: connection refused".into(),
            unreachable: true,
        },
    );
    let screen = text(&render(&s, "default", 80, 24));
    let first = screen.lines().next().unwrap();
    assert!(
        first.contains("2 changes queued, retrying in 4 s"),
        "{first}"
    );
    assert!(
        screen.lines().nth(1).unwrap().contains("⟳ 2 queued"),
        "{screen}"
    );
    insta::assert_snapshot!("customer_offline_queued_80x24", screen);
}

#[test]
fn forms_never_show_control_characters() {
    let mut s = fixtures::state_with_customer(fixtures::hostile_customer_view());
    s = cmd(s, Command::EditPreferences);
    update(
        &mut s,
        Action::Paste("pasted \x1b[31mred\x07 and\ttab\r\nnext".into()),
    );
    for (w, h) in SIZES {
        assert_no_control_characters(&render(&s, "default", w, h));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the server sends as names and notes, no cell holds a
    /// control character and nothing panics.
    #[test]
    fn arbitrary_text_renders_safely(name in any::<String>(), notes in any::<String>(), w in 0u16..200, h in 0u16..60) {
        let mut v = fixtures::customer_view();
        v.profile.display_name = name.clone();
        v.preferences.notes = notes.clone();
        v.interactions[0].notes = notes.clone();
        v.open_complaints[0].summary = name;
        let s = fixtures::state_with_customer(v);
        for tab in [Command::TabOverview, Command::TabPreferences, Command::TabComplaints] {
            let b = render(&cmd(s.clone(), tab), "default", w, h);
            assert_no_control_characters(&b);
        }
    }
}

#[test]
fn the_churn_flag_and_its_reasons_stay_on_every_tab() {
    for tab in [
        Command::TabOverview,
        Command::TabHistory,
        Command::TabComplaints,
        Command::TabOffers,
        Command::TabPreferences,
    ] {
        for theme in THEMES {
            let b = render(&cmd(customer(), tab), theme, 80, 24);
            let screen = text(&b);
            assert!(
                screen.contains("⚑ Churn risk 45/100: 3 contacts in 30 days vs 0.4 usual"),
                "{tab:?} {theme}:\n{screen}"
            );
        }
    }
    // In colour the flag is a warning; without colour it is a marker and words.
    let b = render(&customer(), "default", 80, 24);
    let (x, y) = find(&b, "⚑ Churn").unwrap();
    assert_eq!(b[(x, y)].fg, Theme::builtin("default").warn.fg.unwrap());
    // Side by side every reason shows with its points.
    let screen = text(&render(&customer(), "mono", 160, 48));
    assert!(screen.contains("⚑ Churn risk 45/100"), "{screen}");
    assert!(
        screen.contains("· complaint #477 open past its SLA (+1 open)"),
        "{screen}"
    );
    assert!(screen.contains("(+25)"), "{screen}");
}

#[test]
fn offers_with_rationale_and_answer_keys() {
    for theme in THEMES {
        let s = cmd(customer(), Command::TabOffers);
        let screen = text(&render(&s, theme, 80, 24));
        assert!(screen.contains("▶ + Travel insurance"), "{screen}");
        assert!(screen.contains("EV £23.40"), "45% of £52.00:\n{screen}");
        assert!(screen.contains("lift 3.1"), "{screen}");
        assert!(
            screen.contains("a accept  d decline  n not now"),
            "{screen}"
        );
    }
    // Answered here and on its way: said in words in place of the keys.
    let mut s = cmd(customer(), Command::TabOffers);
    update(&mut s, Action::Command(Command::AcceptSuggestion));
    let screen = text(&render(&s, "mono", 80, 24));
    assert!(screen.contains("✓ accepted · sending"), "{screen}");
    insta::assert_snapshot!("offers_answered_80x24_mono", screen);
    // No consent: nothing offered, and why.
    let mut v = fixtures::customer_view();
    v.preferences.consent.do_not_contact = true;
    if let Some(a) = v.analytics.as_mut() {
        a.marketing_allowed = false;
        a.suggestions.clear();
    }
    let s = cmd(fixtures::state_with_customer(v), Command::TabOffers);
    let screen = text(&render(&s, "default", 80, 24));
    assert!(
        screen.contains("No offers: the customer asked not to be contacted."),
        "{screen}"
    );
}

#[test]
fn explaining_each_figure_with_this_customers_inputs() {
    let s = cmd(customer(), Command::Explain);
    for (w, h) in SIZES {
        insta::assert_snapshot!(
            format!("explain_clv_{w}x{h}"),
            text(&render(&s, "default", w, h))
        );
    }
    let screen = text(&render(&s, "mono", 80, 24));
    assert!(
        screen.contains("CLV = £820.00 × 0.83 / (1 + 0.10 − 0.83) = £2,520.74."),
        "{screen}"
    );
    let mut s = s;
    for figure in rapport_api::Figure::ALL.iter().skip(1) {
        update(&mut s, Action::Command(Command::NextTab));
        let screen = text(&render(&s, "mono", 80, 24));
        assert!(screen.contains(figure.title()), "{figure:?}:\n{screen}");
        assert!(
            screen.contains("For this customer:"),
            "{figure:?}:\n{screen}"
        );
        insta::assert_snapshot!(format!("explain_{figure:?}_80x24").to_lowercase(), screen);
    }
}

#[test]
fn insights_screen() {
    let mut s = customer();
    let fx = update(&mut s, Action::Command(Command::Insights));
    let rapport::app::Effect::LoadInsights { id } = fx[0] else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::InsightsDone(id, Ok(Box::new(fixtures::insights()))),
    );
    for (w, h) in SIZES {
        for theme in THEMES {
            insta::assert_snapshot!(
                format!("insights_{w}x{h}_{theme}"),
                text(&render(&s, theme, w, h))
            );
        }
    }
    let screen = text(&render(&s, "mono", 160, 48));
    assert!(screen.contains("the top 20% bring 50%"), "{screen}");
    assert!(
        screen.contains("Roaming packs → Travel insurance"),
        "{screen}"
    );
    assert!(screen.contains("conversion 75%"), "{screen}");
}

// ---------------------------------------------------------------- live queues

use rapport::app::calls::QueuesAction;
use rapport_api::AgentState;

fn queues(s: &mut AppState, a: QueuesAction) {
    update(s, Action::Queues(Box::new(a)));
}

fn desk_cmd(mut s: AppState, c: Command) -> AppState {
    update(&mut s, Action::Command(c));
    s
}

/// Mei on a call with Jane, whose 360 has popped and painted.
fn on_call() -> AppState {
    let mut s = fixtures::state_agent_in(AgentState::OnCall, 192, Some(fixtures::call(true)));
    assert_eq!(s.screen, rapport::app::Screen::Customer, "the screen pops");
    let id = s.customer.as_ref().unwrap().request;
    update(
        &mut s,
        Action::ViewDone(id, Ok(Box::new(fixtures::customer_view()))),
    );
    s
}

#[test]
fn supervisor_desk() {
    let s = fixtures::state_supervisor();
    for (w, h) in SIZES {
        for theme in THEMES {
            insta::assert_snapshot!(
                format!("desk_{w}x{h}_{theme}"),
                text(&render(&s, theme, w, h))
            );
        }
    }
    for (c, name) in [
        (Command::DeskAgents, "agents"),
        (Command::DeskApprovals, "approvals"),
        (Command::DeskAtRisk, "at_risk"),
    ] {
        insta::assert_snapshot!(
            format!("desk_{name}_80x24"),
            text(&render(&desk_cmd(s.clone(), c), "default", 80, 24))
        );
    }
    let d = desk_cmd(s.clone(), Command::Definitions);
    insta::assert_snapshot!(
        "desk_definitions_80x24",
        text(&render(&d, "default", 80, 24))
    );
    insta::assert_snapshot!(
        "desk_definitions_160x48",
        text(&render(&d, "default", 160, 48))
    );
    let mut r = desk_cmd(s.clone(), Command::DeskApprovals);
    update(&mut r, Action::Command(Command::Reject));
    for c in "Voucher already sent".chars() {
        queues(
            &mut r,
            QueuesAction::ModalKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    insta::assert_snapshot!("desk_reject_80x24", text(&render(&r, "default", 80, 24)));
}

#[test]
fn what_if_overlay() {
    let mut s = fixtures::state_supervisor();
    let fx = update(&mut s, Action::Command(Command::WhatIf));
    let Some(rapport::app::Effect::Queues(rapport::app::calls::QueuesEffect::WhatIf {
        id, ..
    })) = fx.first().cloned()
    else {
        panic!("{fx:?}")
    };
    queues(
        &mut s,
        QueuesAction::WhatIfLoaded(id, Ok(fixtures::what_if())),
    );
    for (w, h) in SIZES {
        insta::assert_snapshot!(
            format!("desk_what_if_{w}x{h}"),
            text(&render(&s, "default", w, h))
        );
    }
}

#[test]
fn the_desk_reads_without_colour() {
    // Below target, an alert, a late wait: words and markers say so.
    let s = fixtures::state_supervisor();
    let screen = text(&render(&s, "mono", 160, 48));
    for needle in [
        "59%▼",
        "⚠ Billing: SL 59%",
        "a caller has waited 1:42",
        "☎ on call",
        "✎ wrap-up",
        "(sim)",
    ] {
        assert!(screen.contains(needle), "{needle} missing:\n{screen}");
    }
    // Off the selected row, in colour too.
    let b = render(&desk_cmd(s, Command::Next), "default", 160, 48);
    let (x, y) = find(&b, "59%▼").unwrap();
    assert_eq!(b[(x, y)].fg, Color::LightRed, "and in colour");
}

#[test]
fn agent_call_states() {
    for (w, h) in SIZES {
        let s = fixtures::state_agent_in(AgentState::Available, 65, None);
        insta::assert_snapshot!(
            format!("agent_available_{w}x{h}"),
            text(&render(&s, "default", w, h))
        );
        insta::assert_snapshot!(
            format!("agent_on_call_{w}x{h}"),
            text(&render(&on_call(), "default", w, h))
        );
        let mut wrap = on_call();
        update(&mut wrap, Action::Command(Command::EndCall));
        let mut ended = fixtures::call(true);
        ended.status = rapport_api::CallStatus::WrapUp;
        ended.ended_at = Some(fixtures::now());
        let id = wrap.calls.ending.unwrap();
        queues(&mut wrap, QueuesAction::CallEnded(id, Ok(ended)));
        insta::assert_snapshot!(
            format!("agent_wrap_up_{w}x{h}"),
            text(&render(&wrap, "default", w, h))
        );
        let picker = desk_cmd(
            fixtures::state_agent_in(AgentState::Break, 300, None),
            Command::AgentState,
        );
        insta::assert_snapshot!(
            format!("agent_state_picker_{w}x{h}"),
            text(&render(&picker, "default", w, h))
        );
    }
    let screen = text(&render(&on_call(), "mono", 80, 24));
    assert!(screen.contains("☎ 03:12 Jane"), "the call timer:\n{screen}");
}

// ---------------------------------------------------------------- plain ASCII

/// Every symbol of ours drawn as ASCII (ui.symbols = ascii): on the search
/// results, the 360 view with complaints and churn flag, a call in the
/// status bar, and the supervisor desk with its sparklines, at 80x24 and
/// wide. What is left outside ASCII is customer text (names, currency).
#[test]
fn ascii_symbols() {
    let mut theme = Theme::builtin("mono");
    theme.ascii = true;
    let screens = [
        ("search", fixtures::state_with_results()),
        ("customer", customer()),
        ("on_call", on_call()),
        ("desk", fixtures::state_supervisor()),
    ];
    for (name, s) in screens {
        for (w, h) in SIZES {
            let screen = text(&render_with(&s, &theme, w, h));
            let foreign: String = screen
                .chars()
                .filter(|c| !c.is_ascii() && !matches!(c, '£' | '€' | '¥'))
                .filter(|c| !c.is_alphabetic())
                .collect();
            assert!(
                foreign.is_empty(),
                "{name} {w}x{h}: symbols left: {foreign:?}\n{screen}"
            );
            insta::assert_snapshot!(format!("ascii_{name}_{w}x{h}"), screen);
        }
    }
    // The same screen in Unicode has the same layout, cell for cell.
    let unicode = render(&customer(), "mono", 80, 24);
    let ascii = render_with(&customer(), &theme, 80, 24);
    assert_eq!(unicode.area, ascii.area);
    for (u, a) in unicode.content.iter().zip(&ascii.content) {
        assert_eq!(
            unicode_width::UnicodeWidthStr::width(u.symbol()),
            unicode_width::UnicodeWidthStr::width(a.symbol()),
            "{:?} -> {:?}",
            u.symbol(),
            a.symbol()
        );
    }
}

/// Words that fit: the whole of a long note a key away, the desk's filter,
/// the status bar's message before the URL at 80 columns, Help's words for
/// Enter where it does something else than open a customer.
#[test]
fn words_that_fit() {
    // A long note, cut in the list with a mark, whole after Enter.
    let mut v = fixtures::customer_view();
    let long = "The customer called about the March bill, which charged the \
                roaming bundle twice. "
        .repeat(8)
        + "Agreed to refund the second charge and to call back on Friday.";
    v.interactions[0].notes = long;
    let mut s = fixtures::state_with_customer(v);
    update(&mut s, Action::Command(Command::TabHistory));
    for (w, h) in SIZES {
        let mut s = s.clone();
        update(&mut s, Action::Resize(w, h));
        if w >= 160 {
            // Side by side: History has the keys once it has the focus.
            assert!(s.history_targeted());
        }
        update(&mut s, Action::Command(Command::Open));
        let screen = text(&render(&s, "default", w, h));
        assert!(
            screen.contains("call back on Friday."),
            "the end of the note shows:\n{screen}"
        );
        insta::assert_snapshot!(format!("history_note_in_full_{w}x{h}"), screen);
        update(&mut s, Action::Command(Command::Back));
        assert!(s.customer.as_ref().unwrap().note.is_none());
    }
    // The desk filtered.
    for (w, h) in SIZES {
        let mut s = fixtures::state_supervisor();
        update(&mut s, Action::Resize(w, h));
        update(&mut s, Action::Command(Command::DeskApprovals));
        update(&mut s, Action::Command(Command::Search));
        for c in "chidi".chars() {
            update(&mut s, Action::Input(c));
        }
        let screen = text(&render(&s, "default", w, h));
        assert!(screen.contains("Filter: chidi"), "{screen}");
        assert!(screen.contains("Chidi Okafor"), "{screen}");
        assert!(!screen.contains("Jane Okafor-Lindqvist"), "{screen}");
        insta::assert_snapshot!(format!("desk_filtered_{w}x{h}"), screen);
    }
    // At 80 columns a message wins over the server's URL.
    let mut s = customer();
    s.server_url = "https://rapport.contact-centre.example.com:8443".into();
    update(&mut s, Action::Command(Command::UpdateComplaint));
    update(&mut s, Action::Command(Command::Back));
    s.notice = Some((
        "Saved: Complaint #481 for Jane Okafor-Lindqvist — sending.".into(),
        fixtures::now(),
    ));
    let b = render(&s, "default", 80, 24);
    let top = text(&b).lines().next().unwrap().to_string();
    assert!(top.contains("Saved: Complaint #481"), "{top}");
    assert!(!top.contains("rapport.contact-centre"), "{top}");
    // Preferences offer `e`; suggestions keys only where there are some.
    let prefs = cmd(customer(), Command::TabPreferences);
    let bottom = text(&render(&prefs, "default", 80, 24));
    let bar = bottom.lines().last().unwrap();
    assert!(bar.contains("e prefs"), "{bar}");
    assert!(!bar.contains("a accept"), "{bar}");
    // Help's Enter says what it does in each place.
    let help = cmd(customer(), Command::Help);
    let mut all = String::new();
    for scroll in 0..12u16 {
        let mut h = help.clone();
        h.help = Some(scroll * 20);
        all.push_str(&text(&render(&h, "default", 160, 48)));
    }
    assert!(all.contains("Run the chosen command"), "palette's Enter");
    assert!(
        all.contains("Show the details for the chosen reason"),
        "reveal's Enter"
    );
    assert!(all.contains("Next figure"), "explain's Tab");
    assert!(
        all.contains("Open the selected customer"),
        "search's Enter still opens a customer"
    );
}
