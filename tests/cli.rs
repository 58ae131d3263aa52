//! The real binary's command line: `--help`, and exit status 2 with a
//! sentence naming the file, the key and what was expected for every kind
//! of bad configuration. None of these reach the terminal interface.

use std::path::Path;
use std::process::{Command, Output};

/// Run `rapport` with a private home (so the developer's own configuration
/// is not read) and the given arguments and extra environment.
fn rapport(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rapport"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run rapport")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_explains_the_program() {
    let home = tempfile::tempdir().unwrap();
    let o = rapport(home.path(), &["--help"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "contact-centre",
        "EMBEDDED DEMO",
        "--server <URL>",
        "--config <FILE>",
        "--theme <NAME>",
        "--data-dir <DIR>",
        "RAPPORT_TOKEN",
        "NO_COLOR",
        "EXIT STATUS",
    ] {
        assert!(out.contains(needle), "--help lacks {needle}:\n{out}");
    }
}

#[test]
fn a_bad_config_file_exits_2_naming_file_key_and_expectation() {
    let home = tempfile::tempdir().unwrap();
    let f = home.path().join("bad.toml");
    std::fs::write(&f, "[ui]\ntheme = \"mono\"\ndebounce_ms = \"soon\"\n").unwrap();
    let o = rapport(home.path(), &["--config", f.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&format!("{}, line 3: ui.debounce_ms", f.display())),
        "{e}"
    );
    assert!(e.contains("expected a whole number"), "{e}");
    assert!(o.stdout.is_empty(), "nothing drawn");
}

#[test]
fn a_bad_user_file_is_found_in_the_config_directory() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/rapport");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[server]\nurl = \"crm.example.net\"\n",
    )
    .unwrap();
    let o = rapport(home.path(), &[], &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("config/rapport/config.toml: server.url"), "{e}");
    assert!(e.contains("expected http://"), "{e}");
}

#[test]
fn other_configuration_mistakes_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let keys = home.path().join("keys.toml");
    std::fs::write(
        &keys,
        "[keys.customer]\n\"ctrl-r\" = \"refresh\"\n\"C-r\" = \"quit\"\n",
    )
    .unwrap();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["--theme", "neon"], vec![], "unknown theme 'neon'"),
        (
            vec!["--config", keys.to_str().unwrap()],
            vec![],
            "bound to both",
        ),
        (
            vec!["--server", "https://crm.example.net"],
            vec![],
            "set RAPPORT_TOKEN",
        ),
        (
            vec![],
            vec![("RAPPORT_UI__DEBOUNCE_MS", "soon")],
            "RAPPORT_UI__DEBOUNCE_MS",
        ),
        (vec!["--log-level", "loud"], vec![], "--log-level"),
        (vec!["--no-such-flag"], vec![], "--no-such-flag"),
    ];
    for (args, env, needle) in cases {
        let o = rapport(home.path(), &args, &env);
        assert_eq!(o.status.code(), Some(2), "{args:?} {env:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}
