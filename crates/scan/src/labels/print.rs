//! Sending labels to printers.
//!
//! - **ZPL** ([`send_zpl`]): the program is written raw to the printer's TCP port (9100
//!   unless the address says otherwise), with a connect and a write timeout.
//! - **PDF** ([`print_pdf`]): the document goes to a temporary file and to the OS print
//!   system: CUPS `lp` on Linux and macOS, SumatraPDF on Windows ([`PrintCommand`]).
//!
//! [`print_label`] renders a label in the format the [`PrinterConfig`] wants and sends it.
//! Errors say what failed, in words a desk can show.

use std::ffi::OsString;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};

use super::{Dpi, LabelData, LabelError, LabelSize, Layout};

/// The raw printing port of Zebra (and most network) printers.
pub const DEFAULT_ZPL_PORT: u16 = 9100;

/// The desk's label printer, as stored in its settings.
///
/// JSON: `{"kind":"zpl","address":"192.168.1.50:9100","dpi":203}`,
/// `{"kind":"system","name":"DYMO_LabelWriter_450"}` (`"name":null` for the default
/// printer), `{"kind":"none"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum PrinterConfig {
    /// A Zebra (or ZPL-compatible) printer on the network: `host`, `host:port`,
    /// `ip`, `ip:port` or `[ipv6]:port`.
    Zpl {
        address: String,
        #[ts(type = "203 | 300")]
        dpi: Dpi,
    },
    /// A printer of the OS print system (CUPS queue name, Windows printer name); `None`
    /// for the default printer. Gets a PDF.
    System { name: Option<String> },
    /// No printer: labels are only shown.
    #[default]
    None,
}

/// How long printing may take before it is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Resolving the printer's name and opening the connection.
    pub connect: Duration,
    /// Sending the label once connected.
    pub write: Duration,
    /// The print command (`lp`) from start to exit.
    pub command: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            write: Duration::from_secs(10),
            command: Duration::from_secs(60),
        }
    }
}

/// Why a label did not reach the printer.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("no label printer is configured")]
    NotConfigured,
    #[error(transparent)]
    Render(#[from] LabelError),
    #[error("printer address {address:?} is not valid: {reason}")]
    BadAddress {
        address: String,
        reason: &'static str,
    },
    #[error("printer host {host:?} was not found: {source}")]
    HostNotFound { host: String, source: io::Error },
    #[error(
        "the printer at {address} refused the connection: is it on, and is {port} its raw printing port?",
        port = address.port()
    )]
    Refused { address: SocketAddr },
    #[error("the printer at {address} did not answer within {after:?}")]
    ConnectTimeout { address: String, after: Duration },
    #[error("could not connect to the printer at {address}: {source}")]
    Connect {
        address: SocketAddr,
        source: io::Error,
    },
    #[error("sending the label to the printer at {address} did not finish within {after:?}")]
    WriteTimeout {
        address: SocketAddr,
        after: Duration,
    },
    #[error("sending the label to the printer at {address} failed: {source}")]
    Write {
        address: SocketAddr,
        source: io::Error,
    },
    #[error("printer name {name:?} is not valid: {reason}")]
    BadPrinterName { name: String, reason: &'static str },
    #[error("could not write the label to a temporary file: {0}")]
    TempFile(io::Error),
    #[error("{program} was not found: {hint}")]
    ProgramMissing { program: String, hint: &'static str },
    #[error("could not run {program}: {source}")]
    Spawn { program: String, source: io::Error },
    #[error("the print system does not know a printer named {name:?}: {stderr}")]
    PrinterUnknown { name: String, stderr: String },
    #[error("no printer was named and the print system has no default printer: {stderr}")]
    NoDefaultPrinter { stderr: String },
    #[error("{program} failed ({status}): {stderr}")]
    CommandFailed {
        program: String,
        status: String,
        stderr: String,
    },
    #[error("{program} did not finish within {after:?}")]
    CommandTimeout { program: String, after: Duration },
}

/// Renders `data` in the format `config` wants and sends it to that printer: ZPL at the
/// printer's resolution over TCP, or a PDF through the OS print system.
pub async fn print_label(
    config: &PrinterConfig,
    data: &LabelData,
    size: LabelSize,
    timeouts: &Timeouts,
) -> Result<(), PrintError> {
    match config {
        PrinterConfig::None => Err(PrintError::NotConfigured),
        PrinterConfig::Zpl { address, dpi } => {
            let zpl = Layout::new(data, size)?.to_zpl(*dpi);
            send_zpl(address, zpl.as_bytes(), timeouts).await?;
            Ok(())
        }
        PrinterConfig::System { name } => {
            let pdf = Layout::new(data, size)?.to_pdf()?;
            print_pdf(&pdf, name.as_deref(), size, timeouts).await
        }
    }
}

/// Splits a printer address into host and port (9100 when none is given). Accepts
/// `host`, `host:port`, an IPv4 address with or without port, `[ipv6]:port` and a bare
/// IPv6 address.
pub fn parse_address(address: &str) -> Result<(String, u16), PrintError> {
    let bad = |reason| PrintError::BadAddress {
        address: address.to_owned(),
        reason,
    };
    let address_trimmed = address.trim();
    if address_trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    if address_trimmed
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad("it contains spaces"));
    }
    let port = |text: &str| -> Result<u16, PrintError> {
        match text.parse::<u16>() {
            Ok(0) | Err(_) => Err(bad("the port must be a number from 1 to 65535")),
            Ok(port) => Ok(port),
        }
    };
    if let Some(rest) = address_trimmed.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| bad("an opening [ has no closing ]"))?;
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        return match after {
            "" => Ok((host.to_owned(), DEFAULT_ZPL_PORT)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((host.to_owned(), port(p)?)),
                None => Err(bad("expected :port after ]")),
            },
        };
    }
    match address_trimmed.matches(':').count() {
        0 => Ok((address_trimmed.to_owned(), DEFAULT_ZPL_PORT)),
        1 => {
            let (host, p) = address_trimmed.split_once(':').unwrap_or_default();
            if host.is_empty() {
                return Err(bad("the host is empty"));
            }
            Ok((host.to_owned(), port(p)?))
        }
        // A bare IPv6 address; a port needs the [..]:port form.
        _ => match address_trimmed.parse::<std::net::Ipv6Addr>() {
            Ok(ip) => Ok((ip.to_string(), DEFAULT_ZPL_PORT)),
            Err(_) => Err(bad("write an IPv6 address with a port as [address]:port")),
        },
    }
}

/// Sends a ZPL program raw over TCP to `address` and closes the connection. Returns the
/// socket address it was delivered to.
pub async fn send_zpl(
    address: &str,
    zpl: &[u8],
    timeouts: &Timeouts,
) -> Result<SocketAddr, PrintError> {
    let (host, port) = parse_address(address)?;
    let deadline = Instant::now() + timeouts.connect;
    let timed_out = || PrintError::ConnectTimeout {
        address: address.trim().to_owned(),
        after: timeouts.connect,
    };

    let lookup = timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port))).await;
    let candidates: Vec<SocketAddr> = match lookup {
        Err(_) => return Err(timed_out()),
        Ok(Err(source)) => {
            return Err(PrintError::HostNotFound {
                host: host.clone(),
                source,
            });
        }
        Ok(Ok(found)) => found.collect(),
    };
    if candidates.is_empty() {
        return Err(PrintError::HostNotFound {
            host: host.clone(),
            source: io::Error::new(io::ErrorKind::NotFound, "the name has no address"),
        });
    }

    // Each address in turn, within the one connect timeout.
    let mut last_error = None;
    let mut connected = None;
    for candidate in candidates {
        match timeout_at(deadline, TcpStream::connect(candidate)).await {
            Err(_) => return Err(timed_out()),
            Ok(Ok(stream)) => {
                connected = Some((candidate, stream));
                break;
            }
            Ok(Err(source)) => {
                tracing::debug!(%candidate, error = %source, "printer connection failed");
                last_error = Some(if source.kind() == io::ErrorKind::ConnectionRefused {
                    PrintError::Refused { address: candidate }
                } else {
                    PrintError::Connect {
                        address: candidate,
                        source,
                    }
                });
            }
        }
    }
    let Some((peer, mut stream)) = connected else {
        return Err(last_error.unwrap_or_else(timed_out));
    };

    let sent = timeout(timeouts.write, async {
        stream.write_all(zpl).await?;
        stream.flush().await?;
        stream.shutdown().await
    })
    .await;
    match sent {
        Err(_) => Err(PrintError::WriteTimeout {
            address: peer,
            after: timeouts.write,
        }),
        Ok(Err(source)) => Err(PrintError::Write {
            address: peer,
            source,
        }),
        Ok(Ok(())) => {
            tracing::info!(printer = %peer, bytes = zpl.len(), "label sent");
            Ok(peer)
        }
    }
}

/// How PDFs are printed on this kind of OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintSystem {
    /// CUPS `lp` (Linux, macOS).
    Cups,
    /// SumatraPDF's command line (Windows): `SumatraPDF.exe` must be on `PATH`.
    SumatraPdf,
}

impl PrintSystem {
    /// The print system of the OS this was built for.
    pub fn current() -> PrintSystem {
        if cfg!(windows) {
            PrintSystem::SumatraPdf
        } else {
            PrintSystem::Cups
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            PrintSystem::Cups => {
                "install the CUPS client (Debian and Ubuntu: apt-get install cups-client; macOS has it)"
            }
            PrintSystem::SumatraPdf => {
                "install SumatraPDF and add the folder of SumatraPDF.exe to PATH"
            }
        }
    }
}

/// A print command, built but not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintCommand {
    pub system: PrintSystem,
    pub program: OsString,
    pub args: Vec<OsString>,
    /// The printer named, if any (for error messages).
    pub printer: Option<String>,
}

impl PrintCommand {
    /// The command that prints the PDF `file` on `printer` (the default printer when
    /// `None`) at the label's size:
    ///
    /// - CUPS: `lp [-d PRINTER] -o media=Custom.57x32mm FILE` (`Custom.4x6in` for 4×6);
    /// - SumatraPDF: `SumatraPDF.exe -print-to PRINTER|-print-to-default -print-settings
    ///   noscale -silent FILE` (the PDF's page is the label, so it is printed unscaled).
    pub fn for_pdf(
        system: PrintSystem,
        printer: Option<&str>,
        size: LabelSize,
        file: &Path,
    ) -> Result<PrintCommand, PrintError> {
        if let Some(name) = printer {
            check_printer_name(name)?;
        }
        let mut args: Vec<OsString> = Vec::new();
        let program = match system {
            PrintSystem::Cups => {
                if let Some(name) = printer {
                    args.extend(["-d".into(), name.into()]);
                }
                args.extend(["-o".into(), format!("media={}", size.cups_media()).into()]);
                "lp"
            }
            PrintSystem::SumatraPdf => {
                match printer {
                    Some(name) => args.extend(["-print-to".into(), name.into()]),
                    None => args.push("-print-to-default".into()),
                }
                args.extend(["-print-settings".into(), "noscale".into()]);
                args.push("-silent".into());
                "SumatraPDF.exe"
            }
        };
        args.push(file.as_os_str().to_owned());
        Ok(PrintCommand {
            system,
            program: program.into(),
            args,
            printer: printer.map(str::to_owned),
        })
    }

    /// Runs the command and waits for it, killing it after `after`.
    pub async fn run(&self, after: Duration) -> Result<(), PrintError> {
        let program = self.program.to_string_lossy().into_owned();
        let mut command = tokio::process::Command::new(&self.program);
        if self.system == PrintSystem::Cups {
            // lp's messages in English, so that they can be told apart.
            command.env("LC_ALL", "C");
        }
        let child = command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(PrintError::ProgramMissing {
                    program,
                    hint: self.system.install_hint(),
                });
            }
            Err(source) => return Err(PrintError::Spawn { program, source }),
        };
        let output = match timeout(after, child.wait_with_output()).await {
            Err(_) => return Err(PrintError::CommandTimeout { program, after }),
            Ok(Err(source)) => return Err(PrintError::Spawn { program, source }),
            Ok(Ok(output)) => output,
        };
        if output.status.success() {
            tracing::info!(
                program,
                printer = self.printer.as_deref().unwrap_or("(default)"),
                output = %String::from_utf8_lossy(&output.stdout).trim(),
                "label sent to the print system"
            );
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(classify_failure(
            self.system,
            program,
            self.printer.as_deref(),
            output.status.to_string(),
            stderr,
        ))
    }
}

/// Names what went wrong from a print command's exit and message. CUPS's messages are
/// matched in English; [`PrintCommand::run`] runs `lp` with `LC_ALL=C` for that.
pub fn classify_failure(
    system: PrintSystem,
    program: String,
    printer: Option<&str>,
    status: String,
    stderr: String,
) -> PrintError {
    if system == PrintSystem::Cups {
        let lower = stderr.to_lowercase();
        if let Some(name) = printer
            && (lower.contains("does not exist") || lower.contains("unknown printer"))
        {
            return PrintError::PrinterUnknown {
                name: name.to_owned(),
                stderr,
            };
        }
        if printer.is_none() && lower.contains("no default destination") {
            return PrintError::NoDefaultPrinter { stderr };
        }
    }
    let stderr = if stderr.is_empty() {
        "(no message)".to_owned()
    } else {
        stderr
    };
    PrintError::CommandFailed {
        program,
        status,
        stderr,
    }
}

/// A printer name goes on a command line: no control characters, no leading `-` (which
/// would read as an option), not empty.
fn check_printer_name(name: &str) -> Result<(), PrintError> {
    let bad = |reason| {
        Err(PrintError::BadPrinterName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.trim().is_empty() {
        return bad("it is empty");
    }
    if name.starts_with('-') {
        return bad("it starts with '-'");
    }
    if name.chars().any(char::is_control) {
        return bad("it contains control characters");
    }
    Ok(())
}

/// Prints a PDF through the OS print system ([`PrintSystem::current`]): writes it to a
/// temporary file, runs the print command, and removes the file once the command exits
/// (`lp` has spooled it by then).
pub async fn print_pdf(
    pdf: &[u8],
    printer: Option<&str>,
    size: LabelSize,
    timeouts: &Timeouts,
) -> Result<(), PrintError> {
    if let Some(name) = printer {
        check_printer_name(name)?;
    }
    let mut file = tempfile::Builder::new()
        .prefix("frontdesk-label-")
        .suffix(".pdf")
        .tempfile()
        .map_err(PrintError::TempFile)?;
    io::Write::write_all(&mut file, pdf).map_err(PrintError::TempFile)?;
    io::Write::flush(&mut file).map_err(PrintError::TempFile)?;
    let command = PrintCommand::for_pdf(PrintSystem::current(), printer, size, file.path())?;
    command.run(timeouts.command).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_and_without_port() {
        let ok = |a: &str| parse_address(a).unwrap();
        assert_eq!(ok("192.168.1.50"), ("192.168.1.50".into(), 9100));
        assert_eq!(ok("192.168.1.50:6101"), ("192.168.1.50".into(), 6101));
        assert_eq!(ok(" zebra.local "), ("zebra.local".into(), 9100));
        assert_eq!(ok("zebra.local:9100"), ("zebra.local".into(), 9100));
        assert_eq!(ok("[fe80::1]:9101"), ("fe80::1".into(), 9101));
        assert_eq!(ok("[fe80::1]"), ("fe80::1".into(), 9100));
        assert_eq!(ok("fe80::1"), ("fe80::1".into(), 9100));
        for bad in [
            "",
            "host:",
            "host:0",
            "host:99999",
            ":9100",
            "a b",
            "[::1",
            "[::1]x",
            "1:2:zz",
        ] {
            assert!(
                matches!(parse_address(bad), Err(PrintError::BadAddress { .. })),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn printer_config_round_trips_through_json() {
        let configs = [
            PrinterConfig::Zpl {
                address: "192.168.1.50:9100".into(),
                dpi: Dpi::D300,
            },
            PrinterConfig::System {
                name: Some("DYMO_LabelWriter_450".into()),
            },
            PrinterConfig::System { name: None },
            PrinterConfig::None,
        ];
        let json: Vec<String> = configs
            .iter()
            .map(|c| serde_json::to_string(c).unwrap())
            .collect();
        assert_eq!(
            json,
            [
                r#"{"kind":"zpl","address":"192.168.1.50:9100","dpi":300}"#,
                r#"{"kind":"system","name":"DYMO_LabelWriter_450"}"#,
                r#"{"kind":"system","name":null}"#,
                r#"{"kind":"none"}"#,
            ]
        );
        for (config, text) in configs.iter().zip(&json) {
            assert_eq!(
                &serde_json::from_str::<PrinterConfig>(text).unwrap(),
                config
            );
        }
        assert!(
            serde_json::from_str::<PrinterConfig>(r#"{"kind":"zpl","address":"x","dpi":600}"#)
                .is_err()
        );
    }

    #[test]
    fn lp_messages_are_told_apart() {
        let classify = |printer: Option<&str>, stderr: &str| {
            classify_failure(
                PrintSystem::Cups,
                "lp".into(),
                printer,
                "exit status: 1".into(),
                stderr.into(),
            )
        };
        assert!(matches!(
            classify(Some("Nope"), "lp: The printer or class does not exist."),
            PrintError::PrinterUnknown { name, .. } if name == "Nope"
        ));
        assert!(matches!(
            classify(None, "lp: Error - No default destination."),
            PrintError::NoDefaultPrinter { .. }
        ));
        let other = classify(Some("Dymo"), "lp: Error - Scheduler not responding.");
        assert_eq!(
            other.to_string(),
            "lp failed (exit status: 1): lp: Error - Scheduler not responding."
        );
    }
}
