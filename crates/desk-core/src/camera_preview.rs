//! The one camera preview a desk runs at a time: started by the Intake or Pickup screen,
//! stopped when it goes (or the window hides), which releases the camera. Starting a
//! preview while one runs replaces it, so two screens never hold the camera at once.

use std::sync::{Mutex, PoisonError};

use frontdesk_scan::decode::DecodeOptions;
use frontdesk_scan::preview::{PreviewOptions, PreviewSession, Sink, encode_jpeg};
use serde::Serialize;
use ts_rs::TS;

use crate::camera_settings::{CameraSettings, FrameSourceSetting, SourceUnavailable};
use crate::error::{DeskError, DeskErrorCode, DeskResult};

/// What starting the preview came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum PreviewStart {
    /// Frames are on their way; `source` names the camera or the files.
    Live { source: String },
    /// No picture: no camera, busy, not allowed, or the files cannot be read.
    Unavailable(SourceUnavailable),
}

/// Quality of the package photo's JPEG: a record to read the label from later.
const PHOTO_QUALITY: u8 = 90;

#[derive(Default)]
pub struct CameraPreview {
    session: Mutex<Option<PreviewSession>>,
}

impl CameraPreview {
    /// Opens the source `settings` name and starts sending preview messages to `sink`.
    /// Blocks while the camera opens (and, on macOS, while the person answers the
    /// permission prompt): call it off the async runtime.
    pub fn start(&self, settings: &CameraSettings, sink: Sink) -> DeskResult<PreviewStart> {
        // Release the camera first: a second open of the same device would be "busy".
        self.stop();
        let source = match settings.open_source() {
            Ok(source) => source,
            Err(unavailable) => {
                tracing::info!(?unavailable, "camera preview unavailable");
                return Ok(PreviewStart::Unavailable(unavailable));
            }
        };
        let name = match &settings.frame_source {
            FrameSourceSetting::Camera => settings
                .camera
                .clone()
                .unwrap_or_else(|| "camera".to_owned()),
            FrameSourceSetting::Files { path, .. } => path.clone(),
        };
        let session = PreviewSession::start(
            source,
            DecodeOptions::default(),
            PreviewOptions::default(),
            sink,
        )
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("camera preview: {e}")))?;
        *self.lock() = Some(session);
        Ok(PreviewStart::Live { source: name })
    }

    /// Stops the preview, if one runs, and waits until the source is released.
    pub fn stop(&self) -> bool {
        let session = self.lock().take();
        match session {
            Some(session) => {
                session.stop();
                true
            }
            None => false,
        }
    }

    pub fn is_running(&self) -> bool {
        self.lock().as_ref().is_some_and(|s| !s.is_finished())
    }

    /// The newest full-size frame as a JPEG; `None` when no preview runs or it has
    /// shown nothing yet.
    pub fn still_jpeg(&self) -> DeskResult<Option<Vec<u8>>> {
        let Some(frame) = self.lock().as_ref().and_then(PreviewSession::still) else {
            return Ok(None);
        };
        encode_jpeg(&frame, PHOTO_QUALITY)
            .map(Some)
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("photo: {e}")))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<PreviewSession>> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
