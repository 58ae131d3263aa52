//! End-to-end: the real `rapport` binary in a real terminal (tmux) against a
//! real server over loopback. `cargo test --release` drives the release build.
//!
//! Skipped with a message (not failed) only when tmux is missing; `.ci/run`
//! installs it, so CI always runs these.

mod common;

use common::{TestServer, Tmux};
use std::time::Duration;

#[test]
fn search_by_name_opens_customer_and_shows_account_number() {
    let Some(tmux) = Tmux::start_if_available("search") else {
        return;
    };
    let server = TestServer::start(300);
    let (account, family) = server.pick_customer();

    tmux.run_client(&server, &[]);
    tmux.wait_for("Search customers", Duration::from_secs(20));

    // Type part of the family name as an agent would, then open the best hit.
    let typed: String = family.chars().take(6).collect();
    tmux.type_text(&typed);
    tmux.wait_for(&account, Duration::from_secs(10));
    let screen = tmux.capture();
    let row = screen
        .lines()
        .position(|l| l.contains(&account))
        .expect("the account number appears in the results");
    // Move the selection to the row holding our customer, then Enter.
    let first = screen
        .lines()
        .position(|l| l.contains("ACC-"))
        .expect("results listed");
    for _ in first..row {
        tmux.keys(&["Down"]);
    }
    tmux.keys(&["Enter"]);
    tmux.wait_for_all(&[&account, "History"], Duration::from_secs(10));

    // `/` returns to search from the customer screen, `q`/C-c quits and the
    // terminal is restored (the shell prompt marker comes back).
    tmux.keys(&["/"]);
    tmux.wait_for("Search customers", Duration::from_secs(5));
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(5));
}

#[test]
fn embedded_default_seeds_and_finds_customers() {
    let Some(tmux) = Tmux::start_if_available("embedded") else {
        return;
    };
    // No --server: the client starts the server in-process over a SQLite
    // file in its data directory and seeds a (small) demo.
    tmux.run_embedded(&[], &[("RAPPORT_DEMO__CUSTOMERS", "200")]);
    tmux.wait_for("Search customers", Duration::from_secs(60));
    tmux.type_text("ACC-");
    tmux.wait_for("ACC-00", Duration::from_secs(10));
    tmux.keys(&["Enter"]);
    tmux.wait_for("History", Duration::from_secs(10));
    tmux.keys(&["C-c"]);
    tmux.wait_for_exit(Duration::from_secs(5));
    assert!(
        tmux.data_dir().join("demo.sqlite").exists(),
        "the demo database lives in the data directory"
    );
}
