//! Barcodes and labels: camera capture (nokhwa), frame decoding (rxing) and label
//! rendering (QR, PNG, PDF, ZPL).
//!
//! Empty on purpose for now: the webcam-scanning and packages issues fill it. It is in
//! the workspace from the start so that the layout of DESIGN.md holds and nothing has
//! to move later.
