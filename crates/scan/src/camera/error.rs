//! What can go wrong with a camera, in the words the desk shows.
//!
//! nokhwa reports every backend failure as text (the OS error inside a string), so the
//! cases a person can act on (no camera, another program has it, the OS refused access)
//! are recognised from that text. Anything else keeps the backend's own message.

use serde::Serialize;

/// The kind of failure, for the UI to pick its message and what it offers (retry,
/// open Settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CameraErrorKind {
    NoCamera,
    Busy,
    PermissionDenied,
    NoUsableFormat,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    #[error("no camera found")]
    NoCamera,
    #[error("camera {name} is not connected")]
    NotFound { name: String },
    #[error("the camera is in use by another program")]
    Busy,
    #[error("this computer does not allow the desk to use the camera")]
    PermissionDenied,
    #[error("the camera offers no picture format the desk can read")]
    NoUsableFormat,
    #[error("camera: {0}")]
    Backend(String),
}

impl CameraError {
    pub fn kind(&self) -> CameraErrorKind {
        match self {
            CameraError::NoCamera | CameraError::NotFound { .. } => CameraErrorKind::NoCamera,
            CameraError::Busy => CameraErrorKind::Busy,
            CameraError::PermissionDenied => CameraErrorKind::PermissionDenied,
            CameraError::NoUsableFormat => CameraErrorKind::NoUsableFormat,
            CameraError::Backend(_) => CameraErrorKind::Failed,
        }
    }

    /// Reads a backend's failure message. `EBUSY` (16) and `EACCES` (13) are what V4L2
    /// gives for a camera another program holds and for a device node we may not open;
    /// Media Foundation and AVFoundation say it in words.
    pub fn from_backend_message(message: &str) -> CameraError {
        let lower = message.to_lowercase();
        let any = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
        if any(&[
            "os error 16",
            "resource busy",
            "device busy",
            "in use",
            "already streaming",
            "0xc00d3704", // MF_E_HW_MFT_FAILED_START_STREAMING
            "0xc00d3e85", // MF_E_VIDEO_RECORDING_DEVICE_LOCKED
        ]) {
            CameraError::Busy
        } else if any(&[
            "os error 13",
            "permission denied",
            "not authorized",
            "not authorised",
            "access is denied",
            "0x80070005", // E_ACCESSDENIED
            "authorization",
        ]) {
            CameraError::PermissionDenied
        } else if any(&["os error 2)", "no such file or directory", "os error 19"]) {
            CameraError::NoCamera
        } else {
            CameraError::Backend(message.to_owned())
        }
    }
}

impl From<nokhwa::NokhwaError> for CameraError {
    fn from(error: nokhwa::NokhwaError) -> Self {
        CameraError::from_backend_message(&error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nokhwa::NokhwaError;

    #[test]
    fn a_camera_another_program_holds_is_busy() {
        let e = NokhwaError::OpenStreamError("Device or resource busy (os error 16)".into());
        assert_eq!(CameraError::from(e), CameraError::Busy);
        let e = NokhwaError::OpenDeviceError(
            "0".into(),
            "MF_E_VIDEO_RECORDING_DEVICE_LOCKED (0xC00D3E85)".into(),
        );
        assert_eq!(CameraError::from(e).kind(), CameraErrorKind::Busy);
    }

    #[test]
    fn a_refused_device_is_permission_denied() {
        let e = NokhwaError::OpenDeviceError(
            "/dev/video0".into(),
            "Permission denied (os error 13)".into(),
        );
        assert_eq!(CameraError::from(e), CameraError::PermissionDenied);
        let e = NokhwaError::OpenDeviceError("0".into(), "Not Authorized".into());
        assert_eq!(CameraError::from(e), CameraError::PermissionDenied);
        let e = NokhwaError::OpenDeviceError("0".into(), "Access is denied. (0x80070005)".into());
        assert_eq!(
            CameraError::from(e).kind(),
            CameraErrorKind::PermissionDenied
        );
    }

    #[test]
    fn a_missing_device_is_no_camera_and_anything_else_keeps_its_message() {
        let e = NokhwaError::OpenDeviceError(
            "/dev/video3".into(),
            "No such file or directory (os error 2)".into(),
        );
        assert_eq!(CameraError::from(e).kind(), CameraErrorKind::NoCamera);
        let e = NokhwaError::ReadFrameError("select timed out".into());
        let mapped = CameraError::from(e);
        assert_eq!(mapped.kind(), CameraErrorKind::Failed);
        assert!(mapped.to_string().contains("select timed out"), "{mapped}");
    }
}
