//! Webcam capture: the cameras connected, the format to capture in, and a camera as a
//! [`FrameSource`](crate::decode::FrameSource) for the same decode pipeline that files
//! go through.

mod device;
mod error;
mod format;
mod raw;

pub use device::{CameraDevice, CameraSource, list_cameras};
pub use error::{CameraError, CameraErrorKind};
pub use format::{CaptureFormat, PixelFormat, choose_format};
pub use raw::luma_frame;
