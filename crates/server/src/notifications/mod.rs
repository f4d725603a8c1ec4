//! Telling residents about their parcels by email (see docs/notifications.md).
//!
//! The push that takes a parcel in queues its notice in the same transaction
//! ([`queue::enqueue_intake`]); nothing is sent there. The notifier, a task of
//! `serve` started when SMTP is configured, sends what is due: a resident's queued
//! notices go out together, in one email, once the oldest has waited the grouping
//! window ([`deliver`]). An accepted email moves each parcel to `notified` through
//! the lifecycle rule, in the change log, like a desk's write. Failures are retried
//! with capped exponential backoff. The reminder pass queues reminders for parcels
//! left on the shelf ([`reminders`]).

pub mod deliver;
pub mod mail;
pub mod queue;
pub mod reminders;

use std::time::Duration;

use jiff::tz::TimeZone;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use crate::db::{Db, now_ms};
use crate::error::{Error, Result};
use crate::fanout::Hub;
use crate::shutdown::ShutdownListener;
pub use reminders::QuietHours;

/// How the notifier sends, groups, retries and reminds.
#[derive(Debug, Clone)]
pub struct NotifierConfig {
    /// `smtp://host:port`, `smtp://host?tls=required` (STARTTLS), `smtps://host`
    /// (TLS from the start); `user:password@` for authentication. As lettre reads it.
    pub smtp_url: String,
    /// The sender, e.g. `Lofts des Arts <reception@example.org>`.
    pub from: Mailbox,
    /// How long a resident's first queued notice waits for others to join its email.
    pub group_window: Duration,
    /// How often the notifier looks for due notices.
    pub poll_every: Duration,
    /// First retry delay after a failure; doubled at each attempt, up to `retry_cap`,
    /// with jitter.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// Attempts before a notice is marked failed, for temporary failures (connection
    /// refused, 4xx replies)…
    pub max_attempts: u32,
    /// …and for permanent ones (5xx replies: unknown mailbox, refused sender).
    pub max_permanent_attempts: u32,
    /// A sending notifier holds its notices this long; another instance sends them
    /// after that if it died.
    pub lease: Duration,
    /// Timeout of one SMTP conversation.
    pub smtp_timeout: Duration,
    /// Parcels on the shelf longer than this many days get reminders.
    pub reminder_days: u32,
    /// How often the reminder pass runs; None: never (tests run it by hand).
    pub reminder_every: Option<Duration>,
    /// No reminders during these hours of the building's day.
    pub quiet_hours: Option<QuietHours>,
    /// The building's time zone: quiet hours, and the times in the emails.
    pub time_zone: TimeZone,
}

impl NotifierConfig {
    /// The defaults of `serve`, for a server at `smtp_url` sending as `from`.
    pub fn new(smtp_url: &str, from: &str) -> Result<Self> {
        let from = from.trim().parse::<Mailbox>().map_err(|e| {
            Error::InvalidInput(format!(
                "{from:?} is not a sender address (--smtp-from): {e}"
            ))
        })?;
        let smtp_url = smtp_url.trim().to_owned();
        transport_builder(&smtp_url)?;
        Ok(Self {
            smtp_url,
            from,
            group_window: Duration::from_secs(90),
            poll_every: Duration::from_secs(2),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(60 * 60),
            max_attempts: 12,
            max_permanent_attempts: 3,
            lease: Duration::from_secs(5 * 60),
            smtp_timeout: Duration::from_secs(30),
            reminder_days: 3,
            reminder_every: Some(Duration::from_secs(10 * 60)),
            quiet_hours: Some(QuietHours {
                start: jiff::civil::time(21, 0, 0, 0),
                end: jiff::civil::time(8, 0, 0, 0),
            }),
            time_zone: time_zone(DEFAULT_TIME_ZONE)?,
        })
    }

    /// The SMTP address without credentials, for logs.
    pub fn smtp_url_for_logs(&self) -> String {
        redact(&self.smtp_url)
    }
}

fn transport_builder(smtp_url: &str) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url).map_err(|e| {
        Error::InvalidInput(format!(
            "{} is not a usable SMTP address (--smtp-url smtp://host:port, smtps://host, \
             smtp://host?tls=required): {e}",
            redact(smtp_url)
        ))
    })
}

fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Montréal's zone (America/Montreal is an alias of it in the tz database).
pub const DEFAULT_TIME_ZONE: &str = "America/Toronto";

/// A time zone from the bundled tz database, by IANA name.
pub fn time_zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name.trim()).map_err(|e| {
        Error::InvalidInput(format!(
            "unknown time zone {name:?} (an IANA name such as America/Toronto): {e}"
        ))
    })
}

/// What the notifier's passes share.
#[derive(Clone)]
pub struct Notifier {
    pub db: Db,
    pub hub: Hub,
    pub config: std::sync::Arc<NotifierConfig>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Notifier {
    pub fn new(db: Db, hub: Hub, config: NotifierConfig) -> Result<Self> {
        let transport = transport_builder(&config.smtp_url)?
            .timeout(Some(config.smtp_timeout))
            .build();
        Ok(Self {
            db,
            hub,
            config: std::sync::Arc::new(config),
            transport,
        })
    }

    /// Sends what is due and, when it is time, queues reminders, until shutdown.
    pub fn spawn(self, mut shutdown: ShutdownListener) {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(self.config.poll_every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut next_reminders = now_ms();
            loop {
                tokio::select! {
                    () = shutdown.wait() => break,
                    _ = ticks.tick() => {}
                }
                if let Some(every) = self.config.reminder_every
                    && now_ms() >= next_reminders
                {
                    next_reminders =
                        now_ms() + i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
                    if let Err(e) = reminders::enqueue_due(&self, now_ms()).await {
                        tracing::error!(error = %e, "queueing reminders failed");
                    }
                }
                tokio::select! {
                    () = shutdown.wait() => break,
                    result = deliver::deliver_due(&self, now_ms()) => {
                        if let Err(e) = result {
                            // Left queued (their lease runs out): the next passes retry.
                            tracing::error!(error = %e, "sending notifications failed");
                        }
                    }
                }
            }
        });
    }
}
