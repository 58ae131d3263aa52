//! Snapshot tests of every screen at 80x24 and 160x48, default and mono
//! themes, drawn from hand-built fixtures through the real `update` and
//! `draw`. Colour themes are also checked cell by cell where colour matters.

use rapport::app::{Action, AppState, Effect, update};
use rapport::fixtures;
use rapport::keymap::{Command, Keymap};
use rapport::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn render(s: &AppState, theme: &str, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let t = Theme::builtin(theme);
    let k = Keymap::default();
    term.draw(|f| rapport::ui::draw(f, s, &t, &k)).unwrap();
    term.backend().buffer().clone()
}

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

fn signed_in() -> AppState {
    let mut s = AppState::new("http://127.0.0.1:8080".into(), false, fixtures::now());
    update(
        &mut s,
        Action::SignedIn(Ok(rapport_api::Agent {
            id: 1,
            name: "Mei Lin".into(),
            role: rapport_api::Role::Agent,
            team: Some("Billing".into()),
        })),
    );
    update(
        &mut s,
        Action::Connection(rapport::app::ConnectionState::Connected),
    );
    s
}

fn with_results() -> AppState {
    let mut s = signed_in();
    for c in "oka".chars() {
        update(&mut s, Action::Input(c));
    }
    let id = s.search.latest;
    update(
        &mut s,
        Action::SearchDone(id, Ok(fixtures::search_response())),
    );
    s
}

fn with_customer(view: rapport_api::CustomerView) -> AppState {
    let mut s = with_results();
    let fx = update(&mut s, Action::Command(Command::Open));
    let Effect::LoadView { id, .. } = fx[0] else {
        panic!("{fx:?}")
    };
    update(&mut s, Action::ViewDone(id, Ok(Box::new(view))));
    s
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

#[test]
fn search_screen() {
    for (w, h) in SIZES {
        for theme in ["default", "mono"] {
            insta::assert_snapshot!(
                format!("search_empty_{w}x{h}_{theme}"),
                text(&render(&signed_in(), theme, w, h))
            );
            insta::assert_snapshot!(
                format!("search_results_{w}x{h}_{theme}"),
                text(&render(&with_results(), theme, w, h))
            );
        }
    }
}

#[test]
fn customer_screen_every_tab() {
    for (w, h) in SIZES {
        for theme in ["default", "mono"] {
            let mut s = with_customer(fixtures::customer_view());
            insta::assert_snapshot!(
                format!("customer_{w}x{h}_{theme}"),
                text(&render(&s, theme, w, h))
            );
            if w < 140 {
                for (cmd, name) in [
                    (Command::TabHistory, "history"),
                    (Command::TabComplaints, "complaints"),
                    (Command::TabPreferences, "prefs"),
                ] {
                    update(&mut s, Action::Command(cmd));
                    insta::assert_snapshot!(
                        format!("customer_{name}_{w}x{h}_{theme}"),
                        text(&render(&s, theme, w, h))
                    );
                }
            }
        }
    }
}

#[test]
fn cjk_customer() {
    for (w, h) in SIZES {
        let s = with_customer(fixtures::cjk_customer_view());
        insta::assert_snapshot!(
            format!("customer_cjk_{w}x{h}"),
            text(&render(&s, "default", w, h))
        );
    }
}

#[test]
fn help_overlay() {
    let mut s = signed_in();
    update(&mut s, Action::Command(Command::Help));
    insta::assert_snapshot!("help_80x24", text(&render(&s, "default", 80, 24)));
}

#[test]
fn escape_sequences_in_notes_never_reach_the_terminal() {
    let mut s = with_customer(fixtures::customer_view());
    update(&mut s, Action::Command(Command::TabHistory));
    for (w, h) in [(80, 24), (160, 48)] {
        let b = render(&s, "default", w, h);
        let all = text(&b);
        assert!(
            all.contains("␛[31m"),
            "escape shown as visible text:\n{all}"
        );
        for cell in b.content() {
            assert!(
                cell.symbol()
                    .chars()
                    .all(|c| !c.is_control() && !('\u{202A}'..='\u{202E}').contains(&c)),
                "control character in a cell: {:?}",
                cell.symbol()
            );
        }
    }
}

#[test]
fn selection_and_breach_are_styled() {
    use ratatui::style::{Color, Modifier};
    let s = with_results();
    // The selected row: colour in the default theme, reverse video in mono,
    // and the ▶ marker in both.
    let b = render(&s, "default", 80, 24);
    let row = (0..24)
        .find(|y| b[(1, *y)].symbol() == "▶")
        .expect("marker drawn");
    assert_eq!(b[(4, row)].bg, Color::Cyan);
    let b = render(&s, "mono", 80, 24);
    assert!(b[(4, row)].modifier.contains(Modifier::REVERSED));
    assert_eq!(b[(4, row)].bg, Color::Reset);

    let mut s = with_customer(fixtures::customer_view());
    update(&mut s, Action::Command(Command::TabComplaints));
    let b = render(&s, "default", 80, 24);
    let all = text(&b);
    let y = all
        .lines()
        .position(|l| l.contains("3h 0m late"))
        .expect("breach shown in words") as u16;
    let x = all
        .lines()
        .nth(y as usize)
        .unwrap()
        .find("⚠")
        .map(|i| all.lines().nth(y as usize).unwrap()[..i].chars().count())
        .unwrap() as u16;
    assert_eq!(b[(x, y)].fg, Color::LightRed);
}

#[test]
fn any_size_draws_without_panic() {
    let s = with_customer(fixtures::customer_view());
    for (w, h) in [
        (0, 0),
        (1, 1),
        (10, 3),
        (39, 9),
        (40, 10),
        (80, 24),
        (139, 40),
        (140, 40),
        (300, 100),
    ] {
        let b = render(&s, "default", w, h);
        if w >= 20 && h > 0 && (w < 40 || h < 10) {
            assert!(text(&b).contains("Terminal"), "{w}x{h}");
        }
    }
    let s = with_results();
    for (w, h) in [(1, 1), (40, 10), (300, 100)] {
        render(&s, "mono", w, h);
    }
}
