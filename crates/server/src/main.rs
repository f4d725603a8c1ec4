//! `frontdesk-server`: the command line around the library.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use frontdesk_server::auth::accounts::{self, NewStaff};
use frontdesk_server::cli::{Cli, Command, LogCommand, LogFormat, UserCommand};
use frontdesk_server::directory::{demo, import};
use frontdesk_server::{AppState, Db, ServerConfig, build_app, compaction, serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The message is for the operator; a backtrace would only bury it.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            demo: with_demo,
            session_days,
            compact_keep_days,
            notify,
        } => {
            // Checked before anything starts: a typo in the SMTP options is said at once.
            let notifier = notify.config()?;
            let db = Db::connect(&cli.database).await?;
            if with_demo {
                let summary = demo::seed(&db).await?;
                print_demo(&summary);
            }
            let config = ServerConfig {
                session_lifetime: Duration::from_secs(u64::from(session_days) * 24 * 60 * 60),
                compact_keep_days,
                notifier,
                ..ServerConfig::default()
            };
            let app = build_app(AppState::new(db.clone(), config)).await;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let bound = listener.local_addr()?;
            tracing::info!(%bound, "server started");
            // Scripts and tests wait for this exact line to know the port.
            println!("listening on http://{bound}");
            serve(listener, app, shutdown_signal()).await?;
            db.close().await;
            tracing::info!("server stopped");
        }
        Command::User { command } => {
            let db = Db::connect(&cli.database).await?;
            match command {
                UserCommand::Add {
                    building,
                    name,
                    email,
                    role,
                } => {
                    let password = read_new_password()?;
                    let staff = accounts::add_staff(
                        &db,
                        NewStaff {
                            id: None,
                            building_id: building,
                            name,
                            email,
                            role,
                            password,
                        },
                    )
                    .await?;
                    println!(
                        "created {} account {} ({}) in building {}",
                        staff.role.as_str(),
                        staff.email,
                        staff.id,
                        staff.building_id
                    );
                }
                UserCommand::Disable { email } => {
                    let done = accounts::disable_staff(&db, &email).await?;
                    let state = if done.was_already_disabled {
                        "was already disabled"
                    } else {
                        "disabled"
                    };
                    println!(
                        "{} {state}; {} session(s) revoked",
                        done.staff.email, done.sessions_revoked
                    );
                }
            }
            db.close().await;
        }
        Command::Log {
            command:
                LogCommand::Compact {
                    keep_days,
                    building,
                },
        } => {
            let db = Db::connect(&cli.database).await?;
            let result = compaction::compact(&db, building.as_deref(), keep_days).await;
            db.close().await;
            for done in result? {
                println!("{done}");
            }
        }
        Command::Import { kind, file } => {
            let db = Db::connect(&cli.database).await?;
            let result = import::import_file(&db, kind, &file).await;
            db.close().await;
            let summary = result?;
            println!("{summary}");
        }
        Command::Demo => {
            let db = Db::connect(&cli.database).await?;
            let summary = demo::seed(&db).await;
            db.close().await;
            print_demo(&summary?);
        }
    }
    Ok(())
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// One line from stdin when piped (scripts, tests); an echo-free prompt, twice, when a
/// person is typing.
fn read_new_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    frontdesk_server::auth::password::check_password_policy(&password)?;
    Ok(password)
}

fn print_demo(summary: &demo::DemoSummary) {
    let b = &summary.building;
    println!(
        "demo building {:?} ({}): units {}; residents {}; {} staff account(s) created",
        b.name, b.id, summary.units, summary.residents, summary.staff_created
    );
    println!("{:<10}  {:<32}  password", "role", "email");
    for account in &demo::DEMO_ACCOUNTS {
        println!(
            "{:<10}  {:<32}  {}",
            account.role.as_str(),
            account.email,
            account.password
        );
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
