//! Barcodes and labels for the desk.
//!
//! [`labels`]: package labels (recipient, unit, carrier, date received, shelf, package
//! code and a QR code of it) rendered as PDF, PNG and ZPL from one layout, and sent to a
//! printer.

pub mod decode;
pub mod labels;
