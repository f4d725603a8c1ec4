//! The webcam decode pipeline: frames from a [`FrameSource`] go through the
//! [`LatestSlot`], the [`Decoder`] and the [`Acceptor`]; accepted codes come out. The app
//! will run exactly this on camera frames; the tests and `frontdesk-cli decode` run it
//! on image files.

pub mod accept;
pub mod decoder;
pub mod frame;
pub mod slot;

pub use accept::{AcceptReason, Accepted, Acceptor, Clock, SystemClock};
pub use decoder::{AimBox, DecodeError, DecodeOptions, Decoder, Read, Symbology};
pub use frame::{FileSource, Frame, FrameError, FrameSource};
pub use slot::LatestSlot;
