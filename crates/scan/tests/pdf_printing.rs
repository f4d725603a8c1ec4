//! PDF printing through the OS print system. No printer exists here, so these tests
//! check the exact commands built for CUPS and Windows, and run the real CUPS `lp`
//! (cups-client, installed by `scripts/setup.sh --for-tests`) against a printer that
//! does not exist, which fails the same way with or without a CUPS scheduler.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use frontdesk_scan::labels::print::{
    PrintCommand, PrintError, PrintSystem, PrinterConfig, Timeouts, print_label, print_pdf,
};
use frontdesk_scan::labels::{LabelData, LabelSize};

fn args(command: &PrintCommand) -> Vec<String> {
    command
        .args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

fn label() -> LabelData {
    LabelData {
        code: "PKG-7K3Q9".into(),
        recipient: "Hélène Bélanger-Côté".into(),
        unit: "1204".into(),
        carrier: "Purolator".into(),
        received_at: "2026-11-22 14:05".into(),
        shelf: None,
    }
}

#[test]
fn cups_gets_lp_with_the_printer_and_the_label_size() {
    let file = Path::new("spool/frontdesk-label-x.pdf");
    let command = PrintCommand::for_pdf(
        PrintSystem::Cups,
        Some("DYMO_LabelWriter_450"),
        LabelSize::Dymo30334,
        file,
    )
    .unwrap();
    assert_eq!(command.program, OsString::from("lp"));
    assert_eq!(
        args(&command),
        [
            "-d",
            "DYMO_LabelWriter_450",
            "-o",
            "media=Custom.57x32mm",
            "spool/frontdesk-label-x.pdf"
        ]
    );
    let default =
        PrintCommand::for_pdf(PrintSystem::Cups, None, LabelSize::FourBySix, file).unwrap();
    assert_eq!(
        args(&default),
        ["-o", "media=Custom.4x6in", "spool/frontdesk-label-x.pdf"]
    );
}

#[test]
fn windows_gets_sumatrapdf_unscaled() {
    let file = Path::new(r"C:\Temp\frontdesk-label-x.pdf");
    let command = PrintCommand::for_pdf(
        PrintSystem::SumatraPdf,
        Some("ZDesigner GK420d"),
        LabelSize::FourBySix,
        file,
    )
    .unwrap();
    assert_eq!(command.program, OsString::from("SumatraPDF.exe"));
    assert_eq!(
        args(&command),
        [
            "-print-to",
            "ZDesigner GK420d",
            "-print-settings",
            "noscale",
            "-silent",
            r"C:\Temp\frontdesk-label-x.pdf"
        ]
    );
    let default =
        PrintCommand::for_pdf(PrintSystem::SumatraPdf, None, LabelSize::FourBySix, file).unwrap();
    assert_eq!(args(&default)[0], "-print-to-default");
}

#[test]
fn a_printer_name_cannot_become_an_option() {
    for name in ["-o", "", "  ", "Dymo\nx"] {
        let built = PrintCommand::for_pdf(
            PrintSystem::Cups,
            Some(name),
            LabelSize::Dymo30334,
            Path::new("spool/x.pdf"),
        );
        assert!(
            matches!(built, Err(PrintError::BadPrinterName { .. })),
            "{name:?}: {built:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_print_program_is_named_with_how_to_install_it() {
    let mut command = PrintCommand::for_pdf(
        PrintSystem::Cups,
        None,
        LabelSize::Dymo30334,
        Path::new("spool/x.pdf"),
    )
    .unwrap();
    command.program = "frontdesk-test-no-such-lp".into();
    let error = command.run(Duration::from_secs(5)).await.unwrap_err();
    assert!(
        matches!(&error, PrintError::ProgramMissing { program, .. } if program == "frontdesk-test-no-such-lp"),
        "{error:?}"
    );
    assert!(error.to_string().contains("cups-client"), "{error}");
}

#[tokio::test]
async fn lp_naming_an_unknown_printer_says_which() {
    assert!(
        std::process::Command::new("lp").arg("-h").output().is_ok(),
        "lp is missing: install cups-client (scripts/setup.sh --for-tests)"
    );
    let name = "Frontdesk_Test_No_Such_Printer";
    let config = PrinterConfig::System {
        name: Some(name.into()),
    };
    let error = print_label(
        &config,
        &label(),
        LabelSize::Dymo30334,
        &Timeouts::default(),
    )
    .await
    .unwrap_err();
    match &error {
        PrintError::PrinterUnknown { name: n, stderr } => {
            assert_eq!(n, name);
            assert!(stderr.contains("lp"), "lp's own message is kept: {stderr}");
        }
        other => panic!("expected PrinterUnknown, got {other:?}"),
    }
    assert!(error.to_string().contains(name), "{error}");
}

#[tokio::test]
async fn a_bad_printer_name_is_refused_before_anything_runs() {
    let error = print_pdf(
        b"%PDF-1.7",
        Some("-oops"),
        LabelSize::Dymo30334,
        &Timeouts::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, PrintError::BadPrinterName { .. }),
        "{error:?}"
    );
}
