//! Frame render time: the customer-360 screen at 200x50 and the search
//! screen at 80x24, drawn into ratatui's TestBackend from fixtures (layout,
//! sanitising and styling included; terminal output excluded).
//!
//! Prints one tab-separated line per figure: `figure, ms  p50  p99  n`.

use std::time::Instant;

use rapport::app::{Action, AppState, Effect, update};
use rapport::fixtures;
use rapport::keymap::{Command, Keymap};
use rapport::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn state() -> AppState {
    let mut s = AppState::new("http://127.0.0.1:1".into(), false, fixtures::now());
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

fn measure(name: &str, s: &AppState, w: u16, h: u16, n: usize) {
    let theme = Theme::builtin("default");
    let keys = Keymap::default();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    for _ in 0..200 {
        term.draw(|f| rapport::ui::draw(f, s, &theme, &keys))
            .unwrap();
    }
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        term.draw(|f| rapport::ui::draw(f, s, &theme, &keys))
            .unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p = |q: f64| ms[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    println!("{name}, ms\t{:.3}\t{:.3}\t{n}", p(0.50), p(0.99));
}

fn main() {
    let search = state();
    measure("render search screen 80x24", &search, 80, 24, 5000);
    let mut s = state();
    let fx = update(&mut s, Action::Command(Command::Open));
    let Effect::LoadView { id, .. } = fx[0] else {
        unreachable!()
    };
    update(
        &mut s,
        Action::ViewDone(id, Ok(Box::new(fixtures::customer_view()))),
    );
    measure("render customer 360 200x50", &s, 200, 50, 5000);
    measure("render customer 360 80x24", &s, 80, 24, 5000);
}
