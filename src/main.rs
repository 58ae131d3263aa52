//! `rapport`: the terminal desk. The command line is parsed here; all else
//! is in the library (`rapport::start`), where it can be tested.

use clap::Parser;

fn main() -> std::process::ExitCode {
    rapport::start::main(rapport::cli::Cli::parse())
}
