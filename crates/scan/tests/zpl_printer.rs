//! ZPL printing against real TCP listeners on loopback, standing in for a Zebra
//! printer's raw port: what arrives, and what a printer that refuses or does not
//! answer makes of it.

use std::net::SocketAddr;
use std::time::Duration;

use frontdesk_scan::labels::print::{PrintError, PrinterConfig, Timeouts, print_label, send_zpl};
use frontdesk_scan::labels::{Dpi, LabelData, LabelSize, Layout, TextRole};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// A name that would end the label and cancel the printer's jobs if sent unescaped.
const HOSTILE: &str = "Évelyne^FS^XZ~JA^XA_x";

fn label(recipient: &str) -> LabelData {
    LabelData {
        code: "PKG-7K3Q9".into(),
        recipient: recipient.into(),
        unit: "1204".into(),
        carrier: "Postes Canada".into(),
        received_at: "2026-11-22 14:05".into(),
        shelf: Some("B3 ~ haut".into()),
    }
}

/// A printer that accepts one connection and returns everything sent on it.
async fn printer() -> (SocketAddr, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let received = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).await.unwrap();
        bytes
    });
    (address, received)
}

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(500),
        write: Duration::from_secs(2),
        command: Duration::from_secs(5),
    }
}

/// The ZPL commands of a program, in order: `^XA`, `^CI`, … Field data is skipped (it
/// follows `^FD` up to the next `^`).
fn commands(zpl: &str) -> Vec<String> {
    zpl.split('^')
        .skip(1)
        .map(|c| c.chars().take(2).collect())
        .collect()
}

/// `^PW` and `^LL` for each stock and resolution, worked out by hand: 57 mm at 203 dpi is
/// 455.6 dots, 4 in is 812 dots, …
const PAGE: [(LabelSize, Dpi, &str, &str); 4] = [
    (LabelSize::Dymo30334, Dpi::D203, "^PW456", "^LL256"),
    (LabelSize::Dymo30334, Dpi::D300, "^PW673", "^LL378"),
    (LabelSize::FourBySix, Dpi::D203, "^PW812", "^LL1218"),
    (LabelSize::FourBySix, Dpi::D300, "^PW1200", "^LL1800"),
];

#[tokio::test]
async fn the_printer_receives_one_whole_label_per_print() {
    for (size, dpi, width, length) in PAGE {
        let (address, received) = printer().await;
        let config = PrinterConfig::Zpl {
            address: address.to_string(),
            dpi,
        };
        print_label(&config, &label("Hélène Bélanger-Côté"), size, &quick())
            .await
            .unwrap();
        let bytes = received.await.unwrap();
        let zpl = String::from_utf8(bytes).expect("ZPL in UTF-8");
        let zpl = zpl.trim_end();
        assert!(zpl.starts_with("^XA"), "{zpl}");
        assert!(zpl.ends_with("^XZ"), "{zpl}");
        assert!(zpl.contains("^CI28"), "UTF-8 not announced: {zpl}");
        assert!(
            zpl.contains(width) && zpl.contains(length),
            "{size} at {dpi}: {zpl}"
        );
        // The QR code: model 2, some magnification, level M, automatic input, the code.
        let qr = zpl
            .lines()
            .find(|l| l.contains("^BQ"))
            .expect("a ^BQ field");
        assert!(qr.contains("^BQN,2,"), "{qr}");
        assert!(qr.ends_with("^FDMA,PKG-7K3Q9^FS"), "{qr}");
        let magnification: u32 = qr
            .split("^BQN,2,")
            .nth(1)
            .and_then(|rest| rest.split('^').next())
            .and_then(|m| m.parse().ok())
            .expect("a magnification");
        assert!((1..=10).contains(&magnification), "{qr}");
        // Accents travel as UTF-8, in a scalable font.
        assert!(
            zpl.contains("^A0N,") && zpl.contains("^FDHélène Bélanger-Côté^FS"),
            "{zpl}"
        );
        for text in ["1204", "Postes Canada", "2026-11-22 14:05", "PKG-7K3Q9"] {
            assert!(
                zpl.contains(&format!("^FD{text}^FS")),
                "{text} missing: {zpl}"
            );
        }
    }
}

#[tokio::test]
async fn a_name_cannot_inject_zpl_commands() {
    let (address, received) = printer().await;
    let config = PrinterConfig::Zpl {
        address: address.to_string(),
        dpi: Dpi::D203,
    };
    print_label(&config, &label(HOSTILE), LabelSize::FourBySix, &quick())
        .await
        .unwrap();
    let zpl = String::from_utf8(received.await.unwrap()).unwrap();

    assert!(!zpl.contains('~'), "a ~ reached the printer: {zpl}");
    let commands = commands(&zpl);
    assert_eq!(commands.iter().filter(|c| *c == "XA").count(), 1, "{zpl}");
    assert_eq!(commands.iter().filter(|c| *c == "XZ").count(), 1, "{zpl}");
    assert_eq!(commands.first().map(String::as_str), Some("XA"));
    assert_eq!(commands.last().map(String::as_str), Some("XZ"));
    let allowed = [
        "XA", "CI", "PW", "LL", "LH", "FT", "A0", "FH", "FD", "FS", "FO", "GB", "BQ", "PQ", "XZ",
    ];
    for command in &commands {
        assert!(allowed.contains(&command.as_str()), "^{command} in {zpl}");
    }
    // Every field is ^FD…^FS, and the text fields carry ^FH for their escapes.
    assert_eq!(
        commands.iter().filter(|c| *c == "FD").count(),
        commands.iter().filter(|c| *c == "FS").count()
            - commands.iter().filter(|c| *c == "GB").count()
    );
    let name_line = zpl
        .lines()
        .find(|l| l.contains("velyne"))
        .expect("the name's field");
    assert!(
        name_line.contains("^FH^FD"),
        "the name's field has no ^FH: {name_line}"
    );
    // Printed as typed (it fits untruncated), once the printer undoes the hex escapes.
    let layout = Layout::new(&label(HOSTILE), LabelSize::FourBySix).unwrap();
    assert_eq!(layout.text(TextRole::Recipient).unwrap().text, HOSTILE);
    let data = name_line
        .split("^FD")
        .nth(1)
        .unwrap()
        .trim_end_matches("^FS");
    assert_eq!(unescape_fh(data), HOSTILE);
}

/// What a printer prints for `^FH` field data: `_XX` is the byte 0xXX.
fn unescape_fh(data: &str) -> String {
    let bytes = data.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'_' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn a_printer_that_refuses_the_connection_says_so() {
    // A port that was just free: nothing listens there.
    let address = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let error = send_zpl(&address.to_string(), b"^XA^XZ", &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PrintError::Refused { address: a } if *a == address),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("refused") && message.contains(&address.to_string()),
        "{message}"
    );
}

#[tokio::test]
async fn a_printer_that_does_not_answer_times_out() {
    // A listener that never accepts, its queue filled: further connections get no answer,
    // as from a printer that is off the network (its SYNs are dropped).
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let address = listener.local_addr().unwrap();
    let mut held = Vec::new();
    let mut full = false;
    for _ in 0..64 {
        match timeout(Duration::from_millis(300), TcpStream::connect(address)).await {
            Ok(Ok(stream)) => held.push(stream),
            Ok(Err(e)) => panic!("connecting to fill the queue: {e}"),
            Err(_) => {
                full = true;
                break;
            }
        }
    }
    assert!(full, "the listen queue never filled");

    let timeouts = Timeouts {
        connect: Duration::from_millis(400),
        ..quick()
    };
    let started = std::time::Instant::now();
    let error = send_zpl(&address.to_string(), b"^XA^XZ", &timeouts)
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(&error, PrintError::ConnectTimeout { after, .. } if *after == timeouts.connect),
        "{error:?}"
    );
    assert!(
        waited >= Duration::from_millis(350) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    assert!(
        error.to_string().contains("did not answer within"),
        "{error}"
    );
    drop(held);
}

#[tokio::test]
async fn a_printer_that_stops_reading_times_out_on_write() {
    // Accepts, then never reads: the socket buffers fill and the write stalls.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let stalled = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(stream);
    });
    let timeouts = Timeouts {
        write: Duration::from_millis(300),
        ..quick()
    };
    let huge = vec![b'A'; 64 * 1024 * 1024];
    let error = send_zpl(&address.to_string(), &huge, &timeouts)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PrintError::WriteTimeout { address: a, .. } if *a == address),
        "{error:?}"
    );
    stalled.abort();
}

#[tokio::test]
async fn the_default_port_is_9100() {
    // Only the address parsing: nothing may listen on 9100 here.
    assert_eq!(
        frontdesk_scan::labels::print::parse_address("127.0.0.1").unwrap(),
        ("127.0.0.1".to_owned(), 9100)
    );
}

#[tokio::test]
async fn no_printer_configured_is_an_error_not_a_silent_success() {
    let error = print_label(
        &PrinterConfig::None,
        &label("Hélène"),
        LabelSize::Dymo30334,
        &quick(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, PrintError::NotConfigured), "{error:?}");
}
