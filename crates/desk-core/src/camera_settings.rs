//! The webcam at this desk: which camera Settings chose (remembered by name), and the
//! developer setting "frame source: files", which plays image files instead of a camera
//! through the very same pipeline. It is how the webcam path is shown working on a
//! machine without a camera (a developer's, CI's), and how a label that fails to scan
//! can be replayed. It is kept in the settings store like [`ScannerSettings`], and can
//! be set at start-up by `--frame-source-files` (`FRONTDESK_FRAME_SOURCE_FILES`).
//!
//! [`ScannerSettings`]: crate::scanning::ScannerSettings

use std::path::PathBuf;

use frontdesk_scan::camera::{CameraError, CameraErrorKind, CameraSource};
use frontdesk_scan::decode::{FrameSource, PlaybackSource};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{DeskError, DeskErrorCode, DeskResult};

/// Where the camera preview's frames come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum FrameSourceSetting {
    /// The webcam chosen in [`CameraSettings::camera`].
    Camera,
    /// Developer setting: an image file (shown as a still) or a folder of images
    /// (played in name order as a video, looping), at `fps` frames a second.
    Files { path: String, fps: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CameraSettings {
    /// The camera's name as it gives it; `None` is the first camera found.
    pub camera: Option<String>,
    pub frame_source: FrameSourceSetting,
}

impl Default for CameraSettings {
    fn default() -> Self {
        CameraSettings {
            camera: None,
            frame_source: FrameSourceSetting::Camera,
        }
    }
}

/// The rate files play at when none is given.
pub const DEFAULT_FILES_FPS: u32 = 10;

impl CameraSettings {
    pub fn validate(self) -> DeskResult<Self> {
        let camera = self
            .camera
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty());
        let frame_source = match self.frame_source {
            FrameSourceSetting::Camera => FrameSourceSetting::Camera,
            FrameSourceSetting::Files { path, fps } => {
                let path = path.trim().to_owned();
                if path.is_empty() {
                    return Err(invalid("the frame source needs a file or folder"));
                }
                let range = PlaybackSource::FPS_RANGE;
                if !range.contains(&fps) {
                    return Err(invalid(format!(
                        "files play at {} to {} frames a second",
                        range.start(),
                        range.end()
                    )));
                }
                // Checked now, so that Settings says so rather than the camera panel later.
                frontdesk_scan::decode::playback::playback_files(&PathBuf::from(&path))
                    .map_err(|e| invalid(e.to_string()))?;
                FrameSourceSetting::Files { path, fps }
            }
        };
        Ok(CameraSettings {
            camera,
            frame_source,
        })
    }

    /// Opens the source these settings name. A camera that cannot be had (none, busy,
    /// not allowed) is a [`SourceUnavailable`] the panel shows, not a desk error.
    pub fn open_source(&self) -> Result<Box<dyn FrameSource + Send>, SourceUnavailable> {
        match &self.frame_source {
            FrameSourceSetting::Camera => CameraSource::open(self.camera.as_deref())
                .map(|camera| Box::new(camera) as Box<dyn FrameSource + Send>)
                .map_err(SourceUnavailable::from),
            FrameSourceSetting::Files { path, fps } => {
                PlaybackSource::open(&PathBuf::from(path), *fps)
                    .map(|files| Box::new(files) as Box<dyn FrameSource + Send>)
                    .map_err(|e| SourceUnavailable {
                        kind: CameraErrorKind::Failed,
                        message: e.to_string(),
                    })
            }
        }
    }
}

/// Why the preview could not start, for the panel to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SourceUnavailable {
    pub kind: CameraErrorKind,
    pub message: String,
}

impl From<CameraError> for SourceUnavailable {
    fn from(error: CameraError) -> Self {
        SourceUnavailable {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

fn invalid(message: impl Into<String>) -> DeskError {
    DeskError::new(DeskErrorCode::InvalidInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_source_must_name_images_at_a_sane_rate() {
        let dir = tempfile::tempdir().unwrap();
        let files = |path: &str, fps| CameraSettings {
            camera: None,
            frame_source: FrameSourceSetting::Files {
                path: path.into(),
                fps,
            },
        };
        assert!(files(" ", 10).validate().is_err());
        let empty = dir.path().to_string_lossy().into_owned();
        assert!(
            files(&empty, 10).validate().is_err(),
            "a folder without images"
        );
        image::GrayImage::new(4, 4)
            .save(dir.path().join("frame.png"))
            .unwrap();
        assert!(files(&empty, 0).validate().is_err());
        assert!(files(&empty, 61).validate().is_err());
        let ok = files(&format!(" {empty} "), 10).validate().unwrap();
        assert_eq!(
            ok.frame_source,
            FrameSourceSetting::Files {
                path: empty.clone(),
                fps: 10
            }
        );
        assert!(ok.open_source().is_ok());
    }

    #[test]
    fn a_blank_camera_name_is_the_first_camera() {
        let settings = CameraSettings {
            camera: Some("  ".into()),
            frame_source: FrameSourceSetting::Camera,
        }
        .validate()
        .unwrap();
        assert_eq!(settings.camera, None);
    }

    #[test]
    fn a_chosen_camera_that_is_not_connected_is_unavailable_not_an_error() {
        let settings = CameraSettings {
            camera: Some("No Such Camera 3000".into()),
            frame_source: FrameSourceSetting::Camera,
        };
        let unavailable = settings.open_source().err().unwrap();
        assert_eq!(unavailable.kind, CameraErrorKind::NoCamera);
    }
}
