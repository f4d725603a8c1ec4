//! Barcodes and labels for the desk.
//!
//! [`labels`]: package labels (recipient, unit, carrier, date received, shelf, package
//! code and a QR code of it) rendered as PDF, PNG and ZPL from one layout, and sent to a
//! printer.
//!
//! [`decode`]: barcodes read from frames (a webcam's or image files'); [`camera`]:
//! webcams as a frame source; [`preview`]: the live preview the desk shows while it
//! scans with a webcam.

pub mod camera;
pub mod decode;
pub mod labels;
pub mod preview;
