//! The command line: subcommands and their options.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use frontdesk_protocol::StaffRole;

use crate::directory::import::ImportKind;

#[derive(Debug, Parser)]
#[command(
    name = "frontdesk-server",
    version,
    about = "The Frontdesk building server"
)]
pub struct Cli {
    /// sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://frontdesk-server.db"
    )]
    pub database: String,

    /// Log line format (logs go to stderr; filter with RUST_LOG, e.g. `info,sqlx=warn`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrations run first).
    Serve {
        #[arg(long, env = "FRONTDESK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed the demo building first and print its staff accounts.
        #[arg(long)]
        demo: bool,
        /// Lifetime of a sign-in session, in days.
        #[arg(long, default_value_t = 30)]
        session_days: u32,
        /// Compact the change log at start and then daily, keeping N days of full
        /// history (as `log compact --keep-days N`). Off unless given.
        #[arg(long, env = "FRONTDESK_COMPACT_KEEP_DAYS", value_name = "N")]
        compact_keep_days: Option<u32>,
        #[command(flatten)]
        notify: NotifyOptions,
    },
    /// The per-building change log the desks sync from.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import a CSV export of the building's web admin (all rows or none).
    Import { kind: ImportKind, file: PathBuf },
    /// Seed the demo building "Lofts des Arts" (idempotent) and print its accounts.
    Demo,
}

/// Resident notifications by email (see docs/notifications.md).
#[derive(Debug, Clone, clap::Args)]
pub struct NotifyOptions {
    /// The mail server: smtp://HOST:PORT (plain), smtp://HOST:PORT?tls=required
    /// (STARTTLS), smtps://HOST:PORT (TLS); USER:PASSWORD@ before the host to sign in.
    /// Notifications are off without it.
    #[arg(long, env = "FRONTDESK_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,
    /// The sender of the emails, e.g. "Lofts des Arts <reception@example.org>".
    #[arg(long, env = "FRONTDESK_SMTP_FROM", value_name = "MAILBOX")]
    pub smtp_from: Option<String>,
    /// Seconds a resident's first parcel waits for others to join its email.
    #[arg(
        long,
        env = "FRONTDESK_NOTIFY_GROUP_SECONDS",
        default_value_t = 90,
        value_name = "S"
    )]
    pub notify_group_seconds: u64,
    /// Parcels on the shelf longer than N days get a reminder (one email per resident
    /// a day at most).
    #[arg(
        long,
        env = "FRONTDESK_REMINDER_DAYS",
        default_value_t = 3,
        value_name = "N"
    )]
    pub reminder_days: u32,
    /// No reminders in these hours of the building's day, HH:MM-HH:MM; "off" for none.
    #[arg(
        long,
        env = "FRONTDESK_QUIET_HOURS",
        default_value = "21:00-08:00",
        value_name = "HOURS"
    )]
    pub quiet_hours: String,
    /// The building's time zone (IANA name), for quiet hours and the times in emails.
    #[arg(long, env = "FRONTDESK_TIME_ZONE", default_value = crate::notifications::DEFAULT_TIME_ZONE, value_name = "TZ")]
    pub time_zone: String,
}

impl NotifyOptions {
    /// The notifier's configuration, None when SMTP is not configured, or what is
    /// wrong with the options.
    pub fn config(&self) -> crate::Result<Option<crate::notifications::NotifierConfig>> {
        use crate::Error;
        let Some(url) = self.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let from = self.smtp_from.as_deref().ok_or_else(|| {
            Error::InvalidInput("--smtp-url needs --smtp-from (the sender of the emails)".into())
        })?;
        let mut config = crate::notifications::NotifierConfig::new(url, from)?;
        config.group_window = std::time::Duration::from_secs(self.notify_group_seconds);
        config.reminder_days = self.reminder_days;
        config.quiet_hours = match self.quiet_hours.trim() {
            "" | "off" | "none" => None,
            hours => Some(hours.parse().map_err(Error::InvalidInput)?),
        };
        config.time_zone = crate::notifications::time_zone(&self.time_zone)?;
        Ok(Some(config))
    }
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Drop changes older than N days that a later change of the same record
    /// supersedes, and old deletions. Pulling from 0 still yields the whole current
    /// state; desks whose cursor is older than the new horizon reload from 0 (a full
    /// resync) on their next pull. Safe while the server runs.
    Compact {
        /// Keep the full history of the last N days (0: compact everything so far).
        #[arg(long, value_name = "N")]
        keep_days: u32,
        /// Only this building (default: all of them).
        #[arg(long)]
        building: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password is read from stdin when it is not a
    /// terminal (one line), else prompted for twice.
    Add {
        /// Id of the building (as in the buildings import, or the demo's).
        #[arg(long)]
        building: String,
        /// Full name, as shown to other staff.
        #[arg(long)]
        name: String,
        /// Sign-in email; unique, compared case-insensitively.
        #[arg(long)]
        email: String,
        /// doorman, security, manager or admin.
        #[arg(long, value_parser = parse_role)]
        role: StaffRole,
    },
    /// Disable an account and revoke all its sessions.
    Disable { email: String },
}

fn parse_role(s: &str) -> Result<StaffRole, String> {
    StaffRole::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
        let all: Vec<_> = StaffRole::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {s:?}; expected one of {}", all.join(", "))
    })
}
