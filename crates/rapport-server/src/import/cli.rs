//! `rapport-server import KIND FILE.csv`: the command line of [`super`],
//! with a progress bar on stderr and every bad row listed.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use super::{Kind, MatchBy, Options, import};
use crate::Db;

#[derive(Debug, Args)]
pub struct FileArgs {
    /// The CSV file, with a header row naming the columns.
    pub file: PathBuf,
    /// Database URL: sqlite://PATH (the file is created if missing).
    #[arg(long, env = "RAPPORT_DATABASE", value_name = "URL")]
    pub database: String,
    /// Keep the good rows and list every bad one, instead of importing
    /// nothing when any row is bad.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Import a file again although one with the same contents was
    /// imported before (its rows would be stored twice).
    #[arg(long)]
    pub again: bool,
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// How the customer_id column names customers: `external`, the
    /// customer_id of an imported customers file; `account`, the account
    /// number (ACC-0012345 or 12345).
    #[arg(long, value_enum, default_value = "external")]
    pub match_by: MatchBy,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Customers: customer_id (their id in your system, required), name or
    /// given_name and family_name, and optionally email, phone (E.164),
    /// address, city, postcode, country, currency, customer_since, tier,
    /// language, consent_email, consent_sms, consent_phone, consent_post,
    /// do_not_contact (1/0, yes/no).
    Customers {
        #[command(flatten)]
        file: FileArgs,
        /// Currency of customers whose row has none (ISO 4217).
        #[arg(long, default_value = "GBP")]
        currency: String,
    },
    /// Transactions, one order line a row: customer_id, date (YYYY-MM-DD
    /// or YYYYMMDD, optionally with a time), amount (the line's value in
    /// the customer's currency, in decimal units such as 1,200.00 or 12.50;
    /// a thousands separator only between groups of three, a currency
    /// symbol or code only the customer's, at most 10,000,000; negative
    /// amounts, i.e. refunds, are refused), and optionally order_id (rows with the same
    /// one are one order), product (a SKU), category, quantity (default 1)
    /// and channel (default web). Products the catalogue lacks are created.
    Transactions {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        matching: MatchArgs,
        /// Gross margin of the products this import creates, 0 to 1.
        #[arg(long, default_value = "0.30", value_name = "M")]
        default_margin: f64,
        /// Amounts are written with a decimal comma, 12,50 and 1.200,00
        /// (without it, 12,50 is refused and 1,200.00 is twelve hundred).
        #[arg(long)]
        decimal_comma: bool,
        /// Accept a line repeated exactly within one order_id (refused
        /// otherwise: a product bought twice is one line with quantity 2).
        #[arg(long)]
        allow_repeated_lines: bool,
    },
    /// Interactions: customer_id, date, channel (call, email, chat, sms,
    /// social, store, web), and optionally direction (inbound/outbound),
    /// reason, notes, outcome.
    Interactions {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        matching: MatchArgs,
    },
    /// Survey answers: customer_id, date, score, and optionally kind (nps,
    /// the default, scored 0–10; csat, scored 1–5).
    Surveys {
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        matching: MatchArgs,
    },
}

/// Run an import command; an error when nothing was imported.
pub async fn run(cmd: ImportCommand) -> anyhow::Result<()> {
    let (kind, file, mut opts) = match cmd {
        ImportCommand::Customers { file, currency } => (
            Kind::Customers,
            file,
            Options {
                currency: currency.trim().to_ascii_uppercase(),
                ..Options::default()
            },
        ),
        ImportCommand::Transactions {
            file,
            matching,
            default_margin,
            decimal_comma,
            allow_repeated_lines,
        } => {
            anyhow::ensure!(
                (0.0..=1.0).contains(&default_margin),
                "--default-margin {default_margin} is not between 0 and 1"
            );
            (
                Kind::Transactions,
                file,
                Options {
                    match_by: matching.match_by,
                    default_margin,
                    decimal_comma,
                    allow_repeated_lines,
                    ..Options::default()
                },
            )
        }
        ImportCommand::Interactions { file, matching } => (
            Kind::Interactions,
            file,
            Options {
                match_by: matching.match_by,
                ..Options::default()
            },
        ),
        ImportCommand::Surveys { file, matching } => (
            Kind::Surveys,
            file,
            Options {
                match_by: matching.match_by,
                ..Options::default()
            },
        ),
    };
    opts.skip_bad_rows = file.skip_bad_rows;
    opts.again = file.again;
    let db = Db::connect(&file.database).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>12} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(kind.code().to_string());
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
        if done >= total {
            // Read to the end: what is left is the last rows, the indexes,
            // the reference checks and the commit.
            bar.set_message("finishing");
        }
    };
    let shown = file.file.display().to_string();
    let outcome = import(&db, kind, &file.file, &opts, &progress).await;
    bar.finish_and_clear();
    db.close().await;
    let outcome = outcome?;
    if !outcome.ignored_columns.is_empty() {
        eprintln!(
            "{shown}: ignored columns this import does not read: {}",
            rapport_api::sanitize::clean(&outcome.ignored_columns.join(", "))
        );
    }
    // Report lines quote the file's own text: escaped as the client does.
    for line in outcome.report(&shown) {
        eprintln!("{}", rapport_api::sanitize::clean(&line));
    }
    if !outcome.committed {
        anyhow::bail!(
            "{shown}: {} bad row{} (listed above{}); nothing was imported. Correct them, or give \
             --skip-bad-rows to import the rest",
            outcome.bad.len(),
            if outcome.bad.len() == 1 { "" } else { "s" },
            if outcome.bad.len() >= 1000 {
                "; reading stopped at the thousandth"
            } else {
                ""
            }
        );
    }
    eprintln!(
        "{shown}: imported {} of {} rows as {}{} in {:.1} s; figures are recomputed by the next \
         analytics refresh (rapport-server analytics refresh, or a running server's schedule)",
        outcome.stored,
        outcome.rows,
        kind.code(),
        if outcome.bad.is_empty() {
            String::new()
        } else {
            format!(", skipped {} bad rows listed above", outcome.bad.len())
        },
        outcome.seconds
    );
    Ok(())
}
