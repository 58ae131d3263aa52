//! `rapport-server`: run the Rapport backend, load demo data, manage agents.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use rapport_api::sanitize::{cell, clean};
use rapport_api::{Role, Severity};
use rapport_server::recording::{limits, taxonomy};
use rapport_server::seed::{self, SeedOptions};
use rapport_server::{Db, ServerConfig, Simulate, agents};
use tracing_subscriber::EnvFilter;

/// The reference backend of Rapport, the contact-centre desk: customer
/// search, the customer-360 view and history over a JSON HTTP API (/v1),
/// with its OpenAPI document at /openapi.json.
#[derive(Debug, Parser)]
#[command(name = "rapport-server", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct DatabaseArg {
    /// Database URL: sqlite://PATH (the file is created if missing) or
    /// postgres://USER@HOST/DATABASE (migrated on first use).
    #[arg(long, env = "RAPPORT_DATABASE", value_name = "URL")]
    database: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API until interrupted (Ctrl-C or SIGTERM: requests in
    /// flight get up to 6 s, a second signal stops at once).
    Serve {
        #[command(flatten)]
        db: DatabaseArg,
        /// Address to listen on.
        #[arg(
            long,
            env = "RAPPORT_LISTEN",
            default_value = "127.0.0.1:7878",
            value_name = "ADDR"
        )]
        listen: SocketAddr,
        /// Compute purchase summaries and analytics as of this day
        /// (YYYY-MM-DD) instead of today; orders after it are left out.
        #[arg(long, env = "RAPPORT_AS_OF", value_name = "DATE", value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        /// Recompute every customer's figures this often, in hours (0: only
        /// at start, when they are missing, for another date, or older than
        /// an import). A customer's own figures are updated as soon as their
        /// data changes either way.
        #[arg(
            long,
            env = "RAPPORT_ANALYTICS_REFRESH_HOURS",
            default_value_t = 24,
            value_name = "HOURS"
        )]
        refresh_hours: u64,
        #[command(flatten)]
        analytics: rapport_server::analytics::SettingsArgs,
        #[command(flatten)]
        simulate: SimulateArgs,
        #[command(flatten)]
        sign_in: SignInArgs,
        /// Serve HTTPS with this certificate chain (PEM, the server's own
        /// certificate first); needs --tls-key. Both files are read again
        /// when either changes, or on SIGHUP. Without it the server speaks
        /// plain HTTP (for loopback, or behind a reverse proxy that
        /// terminates TLS).
        #[arg(
            long,
            env = "RAPPORT_TLS_CERT",
            value_name = "PEM",
            requires = "tls_key"
        )]
        tls_cert: Option<std::path::PathBuf>,
        /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
        #[arg(
            long,
            env = "RAPPORT_TLS_KEY",
            value_name = "PEM",
            requires = "tls_cert"
        )]
        tls_key: Option<std::path::PathBuf>,
    },
    /// Generate demo customers with years of history (deterministic for a
    /// seed and anchor date). Adds to any customers already there.
    Seed {
        #[command(flatten)]
        db: DatabaseArg,
        /// How many customers to generate (the built-in demo uses 10000).
        #[arg(long, default_value_t = 10_000, value_name = "N")]
        customers: u64,
        /// Random seed: the same seed and anchor give the same data.
        #[arg(long, default_value_t = 42, value_name = "S")]
        seed: u64,
        /// Last day of history (exclusive), YYYY-MM-DD; default today.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        anchor: Option<NaiveDate>,
    },
    /// Manage agents and their bearer tokens.
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// Complaint SLAs and approval limits for service-recovery money.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Import customers, transactions, interactions or survey answers from
    /// CSV: all rows or none (or --skip-bad-rows), every bad row reported
    /// with its line, column and reason.
    Import {
        #[command(subcommand)]
        command: rapport_server::import::cli::ImportCommand,
    },
    /// Customer analytics: segments, CLV, churn red flags, suggestions.
    Analytics {
        #[command(subcommand)]
        command: rapport_server::analytics::cli::AnalyticsCommand,
    },
    /// Call queues: their service-level targets and hours, and who serves
    /// them. A telephony system then drives them with POST /v1/calls.
    Queue {
        #[command(subcommand)]
        command: QueueCommand,
    },
    /// Move a SQLite deployment to PostgreSQL: every table of the SQLite
    /// database copied, ids kept, into an empty PostgreSQL database (created
    /// tables and all), in one transaction, with each table's row count
    /// checked on both sides. The SQLite file is only read and may be in
    /// use by a running server; the copy is the database as it was when the
    /// copy began. A target that holds any data is refused.
    CopyStore {
        /// The SQLite database to copy: sqlite://PATH.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The empty PostgreSQL database to copy into:
        /// postgres://USER@HOST/DATABASE.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// Failed sign-ins (an unknown or expired token, or one of a disabled
/// agent) are counted per client address; past the limit every request
/// from that address gets 429 with Retry-After until the window ends.
#[derive(Debug, Args)]
struct SignInArgs {
    /// Failed sign-ins one address may make within the window.
    #[arg(
        long,
        env = "RAPPORT_SIGN_IN_FAILURES",
        default_value_t = rapport_server::http::auth::SignInLimit::DEFAULT_FAILURES,
        value_parser = clap::value_parser!(u32).range(1..),
        value_name = "N"
    )]
    sign_in_failures: u32,
    /// The window, in seconds from an address's first failure.
    #[arg(
        long,
        env = "RAPPORT_SIGN_IN_WINDOW",
        default_value_t = rapport_server::http::auth::SignInLimit::DEFAULT_WINDOW_SECS,
        value_parser = clap::value_parser!(u64).range(1..=86_400),
        value_name = "SECS"
    )]
    sign_in_window: u64,
}

/// How long a token is valid for.
#[derive(Debug, Args)]
struct ExpiryArg {
    /// Days the token is valid for (1 to 3650); it is refused from then on.
    #[arg(
        long,
        env = "RAPPORT_TOKEN_DAYS",
        default_value_t = agents::DEFAULT_TOKEN_DAYS,
        value_name = "DAYS"
    )]
    expires_days: u32,
}

/// The call simulator (off unless --simulate is given).
#[derive(Debug, Args)]
struct SimulateArgs {
    /// Run the call simulator: it creates the demo queues (billing, support,
    /// sales, retention, complaints) and a simulated team of 26 agents if
    /// missing, then offers calls (Poisson arrivals following a day's
    /// profile, callers mostly customers of this database), answers those
    /// routed to its agents and lets waiting callers hang up. Real agents
    /// who are available in a queue get its calls too. For demonstrations
    /// and load tests, not for a server taking real calls.
    #[arg(long)]
    simulate: bool,
    /// Seed of the simulator's random choices.
    #[arg(long, default_value_t = 42, value_name = "S", requires = "simulate")]
    simulate_seed: u64,
    /// Multiply the demo's arrival rates (at the peak 112 calls an hour over
    /// all queues) by this.
    #[arg(long, default_value_t = 1.0, value_name = "X", requires = "simulate")]
    simulate_scale: f64,
    /// Start the simulated day at this hour (0-23) instead of following the
    /// real time of day (UTC): 10 starts in the morning rush.
    #[arg(long, value_name = "HOUR", value_parser = clap::value_parser!(u32).range(0..24), requires = "simulate")]
    simulate_start_hour: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum QueueCommand {
    /// List the queues with their targets, hours and agents.
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Create a queue.
    Add {
        #[command(flatten)]
        db: DatabaseArg,
        /// What the telephony hooks name it by: letters, digits, - and _.
        #[arg(long)]
        code: String,
        /// Its name on the desk.
        #[arg(long)]
        name: String,
        /// Service-level target PERCENT/SECONDS: 80/20 is 80% of calls
        /// answered within 20 seconds.
        #[arg(long, default_value = "80/20", value_parser = parse_target)]
        target: rapport_api::SlTarget,
        /// Opening hours in UTC, HH:MM-HH:MM (may run past midnight), or
        /// "all".
        #[arg(long, default_value = "all", value_parser = parse_hours)]
        hours: (u16, u16),
        /// Alert on the desk when a caller has waited longer than this many
        /// seconds.
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        wait_alert: u32,
        /// The contact reason a wrap-up of its calls starts with (a label
        /// of GET /v1/taxonomy, e.g. "Billing query").
        #[arg(long)]
        reason: Option<String>,
    },
    /// An agent takes a queue's calls from now on.
    Join {
        #[command(flatten)]
        db: DatabaseArg,
        /// The queue's code.
        #[arg(long)]
        queue: String,
        /// The agent's name.
        #[arg(long)]
        agent: String,
    },
    /// An agent no longer takes a queue's calls.
    Leave {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        queue: String,
        #[arg(long)]
        agent: String,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Print the SLA per severity and every approval limit.
    Show {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Set the internal SLA of a complaint severity, in hours from receipt.
    /// Applies to complaints received from now on (and to complaints whose
    /// severity is changed).
    Sla {
        #[command(flatten)]
        db: DatabaseArg,
        /// low, medium, high or critical.
        #[arg(long, value_parser = parse_severity)]
        severity: Severity,
        #[arg(long)]
        hours: i64,
    },
    /// Set how much money recovery one person may grant without approval,
    /// for a role or (overriding the role) one agent, in one currency.
    /// Amounts are written as people write them: 50, 50.00, 1,200.
    Limit {
        #[command(flatten)]
        db: DatabaseArg,
        /// agent, supervisor or admin.
        #[arg(long, value_parser = parse_role, conflicts_with = "agent", required_unless_present = "agent")]
        role: Option<Role>,
        /// An agent's name: a limit for them alone.
        #[arg(long)]
        agent: Option<String>,
        /// ISO 4217 code, e.g. GBP.
        #[arg(long)]
        currency: String,
        /// Largest single refund, credit, voucher or fee waiver.
        #[arg(long, value_name = "AMOUNT")]
        per_action: String,
        /// Total per UTC day.
        #[arg(long, value_name = "AMOUNT")]
        per_day: String,
    },
}

#[derive(Debug, Subcommand)]
enum AgentCommand {
    /// Create an agent and print their bearer token (shown only this once),
    /// or create many from a CSV file (--csv).
    Add {
        #[command(flatten)]
        db: DatabaseArg,
        /// The agent's name as colleagues see it.
        #[arg(long, required_unless_present = "csv", conflicts_with = "csv")]
        name: Option<String>,
        /// agent, supervisor or admin.
        #[arg(long, default_value = "agent", value_parser = parse_role)]
        role: Role,
        /// Team, e.g. Billing.
        #[arg(long)]
        team: Option<String>,
        /// Create every agent in this CSV file instead, all or none: a
        /// header naming `name` and optionally `role` (agent, supervisor or
        /// admin; agent when empty) and `team`, then one agent a line.
        /// Every bad line is reported and nothing is created. Their tokens
        /// are written as CSV (name,id,role,token) to --tokens, or to
        /// standard output.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["role", "team"])]
        csv: Option<std::path::PathBuf>,
        /// With --csv: write the tokens to this new file, readable by its
        /// owner only (it must not exist yet).
        #[arg(long, value_name = "FILE", requires = "csv")]
        tokens: Option<std::path::PathBuf>,
        #[command(flatten)]
        expiry: ExpiryArg,
    },
    /// Issue another token for an existing agent (printed once) with
    /// --name; or list, revoke and rotate tokens.
    #[command(args_conflicts_with_subcommands = true)]
    Token {
        #[command(subcommand)]
        command: Option<TokenCommand>,
        /// Database URL (see `agent add`).
        #[arg(long, env = "RAPPORT_DATABASE", value_name = "URL")]
        database: Option<String>,
        /// The agent to issue a token for.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        expiry: ExpiryArg,
    },
    /// List agents (with DISABLED beside those disabled).
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Disable an agent: every token of theirs is refused at once, by every
    /// server on the database, until they are enabled again.
    Disable {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled agent: their tokens that have not expired work
    /// again.
    Enable {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// List tokens: id, agent, label, created, last used (written at most
    /// once a minute), expires. Never the tokens themselves.
    List {
        #[command(flatten)]
        db: DatabaseArg,
        /// Only this agent's tokens.
        #[arg(long)]
        name: Option<String>,
    },
    /// Revoke a token (by the id `agent token list` shows): refused at
    /// once by every server on the database.
    Revoke {
        #[command(flatten)]
        db: DatabaseArg,
        /// The token's id.
        id: i64,
    },
    /// Replace a token: a new one for the same agent (and label) is
    /// printed once, then the old one is revoked.
    Rotate {
        #[command(flatten)]
        db: DatabaseArg,
        /// The id of the token to replace.
        id: i64,
        #[command(flatten)]
        expiry: ExpiryArg,
    },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date in the form YYYY-MM-DD"))
}

fn parse_target(s: &str) -> Result<rapport_api::SlTarget, String> {
    s.parse()
}

fn parse_hours(s: &str) -> Result<(u16, u16), String> {
    rapport_server::queues::parse_hours(s)
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    use rapport_server::codes::Code;
    Severity::from_code(&s.trim().to_ascii_lowercase())
        .ok_or_else(|| format!("unknown severity '{s}': expected low, medium, high or critical"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // An import's statements are long by nature (one builds an index over
    // millions of rows): sqlx's slow-statement warnings would only break
    // up its progress bar.
    let default_filter = match cli.command {
        Command::Import { .. } => "info,sqlx=error",
        _ => "info,sqlx=warn,tower_http=info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("RAPPORT_LOG")
                .unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors can quote stored or typed text: escaped, never raw.
            eprintln!("rapport-server: {}", clean(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// Commands whose every part runs on PostgreSQL; the others refuse it with a
/// sentence rather than fail half-way.
fn postgres_ready(command: &Command) -> bool {
    matches!(
        command,
        Command::Seed { .. } | Command::Agent { .. } | Command::CopyStore { .. }
    )
}

/// The database URL a command was given (`--database` or RAPPORT_DATABASE).
fn database_given() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .enumerate()
        .find_map(|(i, a)| {
            a.strip_prefix("--database=")
                .map(str::to_string)
                .or_else(|| {
                    (a == "--database")
                        .then(|| args.get(i + 1).cloned())
                        .flatten()
                })
        })
        .or_else(|| std::env::var("RAPPORT_DATABASE").ok())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if !postgres_ready(&cli.command)
        && database_given().is_some_and(|u| {
            matches!(
                rapport_server::db::parse_url(&u),
                Ok(rapport_server::db::Target::Postgres(_))
            )
        })
    {
        anyhow::bail!(
            "this command does not run on PostgreSQL in this version yet (seed, agent and copy-store do); use a SQLite database (sqlite://PATH)"
        );
    }
    match cli.command {
        Command::Serve {
            db,
            listen,
            as_of,
            refresh_hours,
            analytics,
            simulate,
            sign_in,
            tls_cert,
            tls_key,
        } => {
            let db = Db::connect(&db.database).await?;
            if !seed::is_seeded(&db).await? {
                tracing::warn!(
                    "the database has no customers yet; load demo data with `rapport-server seed`"
                );
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("could not listen on {listen}"))?;
            let simulate = simulate.simulate.then(|| Simulate {
                seed: simulate.simulate_seed,
                scale: simulate.simulate_scale,
                start_hour: simulate.simulate_start_hour,
                real_agents: Vec::new(),
            });
            let cfg = ServerConfig {
                as_of,
                analytics: analytics.settings(Some(refresh_hours)),
                simulate,
                sign_in: rapport_server::http::auth::SignInLimit {
                    failures: sign_in.sign_in_failures,
                    window: std::time::Duration::from_secs(sign_in.sign_in_window),
                },
                tls: tls_cert
                    .zip(tls_key)
                    .map(|(cert, key)| rapport_server::tls::TlsFiles { cert, key }),
            };
            let handle = rapport_server::serve(listener, db, cfg).await?;
            eprintln!("rapport-server listening on {}", handle.url());
            shutdown_signal().await;
            eprintln!("rapport-server: stopping");
            // Requests in flight get a few seconds; a second signal, or the
            // deadline, ends the process whatever is still running (work on
            // blocking threads would otherwise hold the runtime open).
            tokio::select! {
                _ = handle.shutdown() => {}
                _ = tokio::time::sleep(SHUTDOWN_DEADLINE) => {
                    eprintln!(
                        "rapport-server: still busy after {} s; exiting",
                        SHUTDOWN_DEADLINE.as_secs()
                    );
                }
                _ = shutdown_signal() => eprintln!("rapport-server: second signal; exiting"),
            }
            std::process::exit(0)
        }
        Command::Seed {
            db,
            customers,
            seed: s,
            anchor,
        } => {
            let db = Db::connect(&db.database).await?;
            let opts = SeedOptions {
                customers,
                seed: s,
                anchor: anchor.unwrap_or_else(|| chrono::Utc::now().date_naive()),
            };
            let bar = ProgressBar::new(customers);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:>22} [{bar:40}] {pos}/{len} customers ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message("generating");
            let started = Instant::now();
            let progress = |done: u64, total: u64| {
                bar.set_position(done);
                if done >= total {
                    bar.set_message("optimising indexes");
                }
            };
            seed::seed(&db, &opts, &progress).await?;
            bar.finish_and_clear();
            db.close().await;
            eprintln!(
                "seeded {customers} customers (seed {s}, history up to {}) in {:.1} s",
                opts.anchor,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Agent { command } => match command {
            AgentCommand::Add {
                db,
                csv: Some(csv),
                tokens,
                expiry,
                ..
            } => {
                add_agents_from_csv(&db.database, &csv, tokens.as_deref(), expiry.expires_days)
                    .await
            }
            AgentCommand::Add {
                db,
                name,
                role,
                team,
                expiry,
                ..
            } => {
                let name = name.context("--name NAME or --csv FILE is required")?;
                agents::check_days(expiry.expires_days)?;
                let db = Db::connect(&db.database).await?;
                let (agent, token) =
                    agents::add_for(&db, &name, role, team.as_deref(), expiry.expires_days).await?;
                // Closing checkpoints the WAL, leaving one self-contained file
                // (safe to copy or rename), as after `seed`.
                db.close().await;
                eprintln!(
                    "created {} '{}' (id {}); their token, shown only now:",
                    agent.role.as_str(),
                    clean(&agent.name),
                    agent.id
                );
                println!("{token}");
                Ok(())
            }
            AgentCommand::Token {
                command: Some(command),
                ..
            } => token_command(command).await,
            AgentCommand::Token {
                command: None,
                database,
                name,
                expiry,
            } => {
                let name = name.context(
                    "give --name NAME to issue a token, or a subcommand: list, revoke, rotate (see --help)",
                )?;
                let database =
                    database.context("--database URL (or RAPPORT_DATABASE) is required")?;
                agents::check_days(expiry.expires_days)?;
                let db = Db::connect(&database).await?;
                let agent = named_agent(&db, &name).await?;
                let token = agents::issue_token_for(&db, agent.id, expiry.expires_days).await?;
                db.close().await;
                eprintln!(
                    "new token for '{}' (id {}), valid for {} days, shown only now:",
                    clean(&agent.name),
                    agent.id,
                    expiry.expires_days
                );
                println!("{token}");
                Ok(())
            }
            AgentCommand::List { db } => {
                let db = Db::connect(&db.database).await?;
                let list = agents::list_with_status(&db).await?;
                println!(
                    "{:>5}  {:<28} {:<11} {:<16} STATUS",
                    "ID", "NAME", "ROLE", "TEAM"
                );
                for (a, disabled) in list {
                    // Stored text is escaped as the client escapes it.
                    println!(
                        "{:>5}  {} {:<11} {} {}",
                        a.id,
                        cell(&a.name, 28),
                        a.role.as_str(),
                        cell(a.team.as_deref().unwrap_or("-"), 16),
                        match disabled {
                            Some(at) => format!("DISABLED since {}", when(Some(at))),
                            None => "enabled".to_string(),
                        }
                    );
                }
                Ok(())
            }
            AgentCommand::Disable { db, name } => disable_agent(&db.database, &name, true).await,
            AgentCommand::Enable { db, name } => disable_agent(&db.database, &name, false).await,
        },
        Command::Policy { command } => policy(command).await,
        Command::Import { command } => rapport_server::import::cli::run(command).await,
        Command::Analytics { command } => rapport_server::analytics::cli::run(command).await,
        Command::Queue { command } => queue(command).await,
        Command::CopyStore { from, to } => copy_store(&from, &to).await,
    }
}

/// The agent with this name, or an error that says how to find names.
async fn named_agent(db: &Db, name: &str) -> anyhow::Result<rapport_api::Agent> {
    agents::find_by_name(db, name).await?.with_context(|| {
        format!("no agent named '{name}'; list them with `rapport-server agent list`")
    })
}

/// An instant (epoch seconds) as `YYYY-MM-DD HH:MM` UTC, or "-".
fn when(at: Option<i64>) -> String {
    at.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".to_string())
}

/// `agent disable` and `agent enable`.
async fn disable_agent(database: &str, name: &str, disable: bool) -> anyhow::Result<()> {
    let db = Db::connect(database).await?;
    let agent = named_agent(&db, name).await?;
    agents::set_disabled(&db, agent.id, disable).await?;
    db.close().await;
    if disable {
        eprintln!(
            "'{}' (id {}) is disabled: every token of theirs is refused",
            clean(&agent.name),
            agent.id
        );
    } else {
        eprintln!(
            "'{}' (id {}) is enabled: their tokens that have not expired work again",
            clean(&agent.name),
            agent.id
        );
    }
    Ok(())
}

/// `agent token list|revoke|rotate`.
async fn token_command(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::List { db, name } => {
            let db = Db::connect(&db.database).await?;
            let agent = match name {
                Some(n) => Some(named_agent(&db, &n).await?.id),
                None => None,
            };
            let list = agents::tokens(&db, agent).await?;
            db.close().await;
            let now = chrono::Utc::now().timestamp();
            println!(
                "{:>5}  {:<24} {:<10} {:<16} {:<16} EXPIRES (UTC)",
                "ID", "AGENT", "LABEL", "CREATED (UTC)", "LAST USED (UTC)"
            );
            for t in &list {
                println!(
                    "{:>5}  {} {} {:<16} {:<16} {}{}",
                    t.id,
                    cell(&t.agent_name, 24),
                    cell(t.label.as_deref().unwrap_or("-"), 10),
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    when(Some(t.expires_at)),
                    if now >= t.expires_at {
                        " (expired)"
                    } else {
                        ""
                    }
                );
            }
            if list.is_empty() {
                eprintln!("no tokens");
            }
            Ok(())
        }
        TokenCommand::Revoke { db, id } => {
            let db = Db::connect(&db.database).await?;
            let t = agents::revoke_token(&db, id).await?;
            db.close().await;
            eprintln!(
                "token {} of '{}' is revoked: it is refused from now on",
                t.id,
                clean(&t.agent_name)
            );
            Ok(())
        }
        TokenCommand::Rotate { db, id, expiry } => {
            let db = Db::connect(&db.database).await?;
            let (old, _) = agents::rotate_token(&db, id, expiry.expires_days, |old, token| {
                use std::io::Write as _;
                eprintln!(
                    "new token for '{}', valid for {} days, shown only now:",
                    clean(&old.agent_name),
                    expiry.expires_days
                );
                let mut out = std::io::stdout().lock();
                writeln!(out, "{token}")?;
                out.flush()?;
                Ok(())
            })
            .await?;
            db.close().await;
            eprintln!(
                "token {} of '{}' is revoked",
                old.id,
                clean(&old.agent_name)
            );
            Ok(())
        }
    }
}

/// `agent add --csv`: every agent of the file or none, their tokens to a
/// new private file or to standard output.
async fn add_agents_from_csv(
    database: &str,
    csv: &std::path::Path,
    tokens: Option<&std::path::Path>,
    days: u32,
) -> anyhow::Result<()> {
    agents::check_days(days)?;
    let file =
        std::fs::File::open(csv).with_context(|| format!("could not open {}", csv.display()))?;
    let list = match agents::read_csv(std::io::BufReader::new(file)) {
        Ok(l) => l,
        Err(errors) => {
            let shown = errors.len().min(20);
            let mut msg = format!(
                "{} has {} problem{}; no agent was added:",
                csv.display(),
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            for e in &errors[..shown] {
                msg.push_str("\n  ");
                msg.push_str(e);
            }
            if errors.len() > shown {
                msg.push_str(&format!("\n  and {} more", errors.len() - shown));
            }
            anyhow::bail!(msg);
        }
    };
    // The tokens' file is made first (empty, private), so a name that
    // cannot be written to adds no agent whose token would be lost.
    let mut out: Box<dyn std::io::Write> = match tokens {
        Some(path) => {
            use std::os::unix::fs::OpenOptionsExt as _;
            let f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| {
                    format!(
                        "could not create {} for the tokens (it must not exist yet)",
                        path.display()
                    )
                })?;
            Box::new(std::io::BufWriter::new(f))
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let db = Db::connect(database).await?;
    let added = match agents::add_many_for(&db, &list, days).await {
        Ok(a) => a,
        Err(e) => {
            db.close().await;
            if let Some(path) = tokens {
                drop(out);
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    db.close().await;
    let mut w = csv::Writer::from_writer(&mut out);
    w.write_record(["name", "id", "role", "token"])?;
    for (a, token) in &added {
        w.write_record([a.name.as_str(), &a.id.to_string(), a.role.as_str(), token])?;
    }
    w.flush()?;
    drop(w);
    std::io::Write::flush(&mut out)?;
    eprintln!(
        "created {} agents from {}; their tokens are shown only {}",
        added.len(),
        csv.display(),
        match tokens {
            Some(p) => format!("in {}", p.display()),
            None => "above".to_string(),
        }
    );
    Ok(())
}

async fn queue(command: QueueCommand) -> anyhow::Result<()> {
    use rapport_server::queues;
    match command {
        QueueCommand::List { db } => {
            let db = Db::connect(&db.database).await?;
            let mut conn = db.pool().acquire().await?;
            let list = queues::list(&mut conn).await?;
            if list.is_empty() {
                println!("No queues yet; add one with `rapport-server queue add`.");
            }
            println!(
                "{:<14} {:<22} {:>6} {:<13} {:>6}  AGENTS",
                "CODE", "NAME", "TARGET", "HOURS (UTC)", "ALERT"
            );
            for q in list {
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT a.name FROM queue_agents m JOIN agents a ON a.id = m.agent_id \
                     WHERE m.queue_id = ? ORDER BY a.name",
                )
                .bind(q.id)
                .fetch_all(&mut *conn)
                .await?;
                println!(
                    "{} {} {:>6} {:<13} {:>5}s  {}",
                    cell(&q.code, 14),
                    cell(&q.name, 22),
                    q.target.to_string(),
                    q.hours(),
                    q.wait_alert_secs,
                    if names.is_empty() {
                        "-".to_string()
                    } else {
                        names
                            .iter()
                            .map(|n| clean(n))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
            }
            Ok(())
        }
        QueueCommand::Add {
            db,
            code,
            name,
            target,
            hours,
            wait_alert,
            reason,
        } => {
            let db = Db::connect(&db.database).await?;
            anyhow::ensure!(wait_alert > 0, "--wait-alert must be at least 1 second");
            let q = queues::add(
                &db,
                &queues::NewQueue {
                    code,
                    name,
                    target,
                    opens_min: hours.0,
                    closes_min: hours.1,
                    wait_alert_secs: wait_alert,
                    reason,
                },
            )
            .await?;
            db.close().await;
            eprintln!(
                "queue '{}' ({}) created: target {}, {}, alert after {} s",
                clean(&q.code),
                clean(&q.name),
                q.target,
                q.hours(),
                q.wait_alert_secs
            );
            Ok(())
        }
        QueueCommand::Join { db, queue, agent } => {
            let (db, q, a) = queue_and_agent(&db.database, &queue, &agent).await?;
            let mut conn = db.pool().acquire().await?;
            queues::join(&mut conn, q.id, a.id).await?;
            eprintln!("{} now takes {}'s calls", clean(&a.name), clean(&q.name));
            Ok(())
        }
        QueueCommand::Leave { db, queue, agent } => {
            let (db, q, a) = queue_and_agent(&db.database, &queue, &agent).await?;
            let mut conn = db.pool().acquire().await?;
            if queues::leave(&mut conn, q.id, a.id).await? {
                eprintln!(
                    "{} no longer takes {}'s calls",
                    clean(&a.name),
                    clean(&q.name)
                );
            } else {
                eprintln!("{} did not take {}'s calls", clean(&a.name), clean(&q.name));
            }
            Ok(())
        }
    }
}

async fn queue_and_agent(
    url: &str,
    queue: &str,
    agent: &str,
) -> anyhow::Result<(Db, rapport_api::Queue, rapport_api::Agent)> {
    let db = Db::connect(url).await?;
    let mut conn = db.pool().acquire().await?;
    let q = rapport_server::queues::by_code(&mut conn, "--queue", queue)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    drop(conn);
    let a = agents::find_by_name(&db, agent).await?.with_context(|| {
        format!("no agent named '{agent}'; list them with `rapport-server agent list`")
    })?;
    Ok((db, q, a))
}

async fn policy(command: PolicyCommand) -> anyhow::Result<()> {
    match command {
        PolicyCommand::Show { db } => {
            let db = Db::connect(&db.database).await?;
            let mut conn = db.pool().acquire().await?;
            println!("Complaint SLA (hours from receipt):");
            for p in taxonomy::sla_policies(&mut *db.read().await?).await? {
                println!("  {:<9} {:>5} h", p.severity.label(), p.hours);
            }
            println!("\nApproval limits (money recovery without a supervisor):");
            println!(
                "  {:<28} {:<4} {:>16} {:>16}",
                "WHO", "CUR", "PER ACTION", "PER DAY"
            );
            for (who, cur, action, day) in limits::list(&mut conn).await? {
                println!(
                    "  {:<28} {:<4} {:>16} {:>16}",
                    who,
                    cur,
                    rapport_api::money::format(action, &cur),
                    rapport_api::money::format(day, &cur)
                );
            }
            Ok(())
        }
        PolicyCommand::Sla {
            db,
            severity,
            hours,
        } => {
            let db = Db::connect(&db.database).await?;
            let mut tx = db.begin().await?;
            taxonomy::set_sla(&mut *tx, severity, hours).await?;
            tx.commit().await?;
            eprintln!(
                "SLA for {} complaints is now {hours} hours",
                severity.label()
            );
            Ok(())
        }
        PolicyCommand::Limit {
            db,
            role,
            agent,
            currency,
            per_action,
            per_day,
        } => {
            let db = Db::connect(&db.database).await?;
            let currency = currency.trim().to_ascii_uppercase();
            let per_action = rapport_api::money::parse(&per_action, &currency)
                .map_err(|e| anyhow::anyhow!("--per-action: {e}"))?;
            let per_day = rapport_api::money::parse(&per_day, &currency)
                .map_err(|e| anyhow::anyhow!("--per-day: {e}"))?;
            let (scope, who) = match (role, agent) {
                (Some(r), _) => (limits::Scope::Role(r), format!("role {}", r.as_str())),
                (None, Some(name)) => {
                    let a = agents::find_by_name(&db, &name).await?.with_context(|| {
                        format!(
                            "no agent named '{name}'; list them with `rapport-server agent list`"
                        )
                    })?;
                    (limits::Scope::Agent(a.id), format!("agent {}", a.name))
                }
                (None, None) => anyhow::bail!("give --role or --agent"),
            };
            let mut conn = db.pool().acquire().await?;
            limits::set(&mut conn, scope, &currency, per_action, per_day).await?;
            eprintln!(
                "{who} may now grant up to {} per action and {} per day in {currency}",
                rapport_api::money::format(per_action, &currency),
                rapport_api::money::format(per_day, &currency)
            );
            Ok(())
        }
    }
}

/// How long `serve` waits for requests in flight after Ctrl-C or SIGTERM.
const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(6);

/// Wait for Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

async fn copy_store(from: &str, to: &str) -> anyhow::Result<()> {
    use rapport_server::store::copy::{self, Progress};
    let started = Instant::now();
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:28} [{bar:30}] {pos}/{len} rows")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let shown = bar.clone();
    let copied = copy::copy_store(from, to, &move |p| match p {
        Progress::Table { table, rows } => {
            shown.set_message(table);
            shown.set_length(rows);
            shown.set_position(0);
        }
        Progress::Rows { done } => shown.set_position(done),
        Progress::Search { customers } => {
            shown.set_message("search index");
            shown.set_length(customers);
            shown.set_position(customers);
        }
        Progress::Verifying => shown.set_message("verifying counts"),
    })
    .await;
    bar.finish_and_clear();
    let copied = copied?;
    let rows: u64 = copied.tables.iter().map(|(_, n)| n).sum();
    for (table, n) in &copied.tables {
        eprintln!("  {table:<24} {n:>12}");
    }
    eprintln!(
        "copied {} tables, {rows} rows, to {} in {:.1} s; counts match on both sides",
        copied.tables.len(),
        rapport_server::db::shown_url(to),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
