//! Webcams through nokhwa's native backends (V4L2, Media Foundation, AVFoundation).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

use nokhwa::Camera;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, CameraInfo, FrameFormat, RequestedFormat,
    RequestedFormatType,
};
use serde::Serialize;

use super::error::CameraError;
use super::format::{CaptureFormat, PixelFormat, choose_format};
use super::raw::luma_frame;
use crate::decode::{Frame, FrameError, FrameSource};

/// A camera as the desk lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CameraDevice {
    /// The backend's index (V4L2: the N of /dev/videoN), as text.
    pub index: String,
    /// The name the device gives itself; Settings remembers the camera by it, because
    /// indexes change when cameras are plugged in another order.
    pub name: String,
}

const EVERY_FORMAT: [FrameFormat; 6] = [
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::GRAY,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
];

/// How long to wait for the person to answer the OS's camera permission prompt (macOS).
const PERMISSION_WAIT: Duration = Duration::from_secs(120);

/// Asks the OS for the camera where it needs asking (macOS shows its prompt once);
/// elsewhere nokhwa answers yes at once.
fn ensure_permission() -> Result<(), CameraError> {
    if nokhwa::nokhwa_check() {
        return Ok(());
    }
    let (send, receive) = mpsc::channel();
    let send = std::sync::Mutex::new(send);
    nokhwa::nokhwa_initialize(move |granted| {
        if let Ok(send) = send.lock() {
            let _ = send.send(granted);
        }
    });
    match receive.recv_timeout(PERMISSION_WAIT) {
        Ok(true) => Ok(()),
        _ => Err(CameraError::PermissionDenied),
    }
}

fn infos() -> Result<Vec<CameraInfo>, CameraError> {
    ensure_permission()?;
    let backend = nokhwa::native_api_backend().unwrap_or(ApiBackend::Auto);
    // A backend panic (nokhwa has `todo!()`s on some paths) is a failure to list, not a
    // crash of the desk.
    catch_unwind(|| nokhwa::query(backend))
        .map_err(|_| CameraError::Backend("listing cameras failed".into()))?
        .map_err(CameraError::from)
}

/// The cameras connected now; empty when there are none (not an error).
pub fn list_cameras() -> Result<Vec<CameraDevice>, CameraError> {
    Ok(infos()?
        .iter()
        .map(|info| CameraDevice {
            index: info.index().to_string(),
            name: info.human_name(),
        })
        .collect())
}

fn pixel_format(format: FrameFormat) -> PixelFormat {
    match format {
        FrameFormat::MJPEG => PixelFormat::Mjpeg,
        FrameFormat::YUYV => PixelFormat::Yuyv,
        FrameFormat::NV12 => PixelFormat::Nv12,
        FrameFormat::GRAY => PixelFormat::Gray,
        FrameFormat::RAWRGB => PixelFormat::Rgb,
        FrameFormat::RAWBGR => PixelFormat::Bgr,
    }
}

fn capture_format(format: &CameraFormat) -> CaptureFormat {
    CaptureFormat {
        pixel_format: pixel_format(format.format()),
        width: format.width(),
        height: format.height(),
        fps: format.frame_rate(),
    }
}

/// A live camera as a [`FrameSource`]. Dropping it releases the camera.
pub struct CameraSource {
    camera: Option<Camera>,
    device: CameraDevice,
    format: CaptureFormat,
}

impl std::fmt::Debug for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraSource")
            .field("device", &self.device)
            .field("format", &self.format)
            .finish()
    }
}

impl CameraSource {
    /// Opens the camera called `name` (the first one when `None`), in the format
    /// [`choose_format`] picks, and starts its stream.
    pub fn open(name: Option<&str>) -> Result<CameraSource, CameraError> {
        let infos = infos()?;
        let info = match name {
            None => infos.first().ok_or(CameraError::NoCamera)?,
            Some(name) => infos
                .iter()
                .find(|i| i.human_name() == name)
                .ok_or_else(|| CameraError::NotFound {
                    name: name.to_owned(),
                })?,
        };
        let device = CameraDevice {
            index: info.index().to_string(),
            name: info.human_name(),
        };
        let index = match info.index() {
            CameraIndex::Index(i) => CameraIndex::Index(*i),
            CameraIndex::String(s) => CameraIndex::String(s.clone()),
        };
        let opened = catch_unwind(AssertUnwindSafe(|| open_camera(index)))
            .map_err(|_| CameraError::Backend("opening the camera failed".into()))?;
        let (camera, format) = opened?;
        tracing::info!(camera = %device.name, ?format, "camera open");
        Ok(CameraSource {
            camera: Some(camera),
            device,
            format,
        })
    }

    pub fn device(&self) -> &CameraDevice {
        &self.device
    }

    pub fn format(&self) -> CaptureFormat {
        self.format
    }
}

fn open_camera(index: CameraIndex) -> Result<(Camera, CaptureFormat), CameraError> {
    let any = RequestedFormat::with_formats(RequestedFormatType::None, &EVERY_FORMAT);
    let mut camera = Camera::new(index, any)?;
    let offered = camera.compatible_camera_formats()?;
    let captures: Vec<CaptureFormat> = offered.iter().map(capture_format).collect();
    let chosen = choose_format(&captures).ok_or(CameraError::NoUsableFormat)?;
    let wanted = offered
        .iter()
        .find(|f| capture_format(f) == chosen)
        .copied()
        .ok_or(CameraError::NoUsableFormat)?;
    if camera.camera_format() != wanted {
        let formats = [wanted.format()];
        camera.set_camera_requset(RequestedFormat::with_formats(
            RequestedFormatType::Exact(wanted),
            &formats,
        ))?;
    }
    camera.open_stream()?;
    let format = capture_format(&camera.camera_format());
    Ok((camera, format))
}

impl FrameSource for CameraSource {
    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        let camera = self.camera.as_mut()?;
        let captured = catch_unwind(AssertUnwindSafe(|| camera.frame()));
        let buffer = match captured {
            Ok(Ok(buffer)) => buffer,
            Ok(Err(e)) => {
                return Some(Err(FrameError::Camera(
                    CameraError::from(e).to_string(),
                )));
            }
            Err(_) => {
                return Some(Err(FrameError::Camera(
                    "the camera backend panicked".into(),
                )));
            }
        };
        let resolution = buffer.resolution();
        Some(luma_frame(
            pixel_format(buffer.source_frame_format()),
            resolution.width(),
            resolution.height(),
            buffer.buffer(),
        ))
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        if let Some(camera) = self.camera.take() {
            // nokhwa's own Drop unwraps the result of stopping the stream; a camera
            // unplugged mid-stream must not take the desk down with it.
            if catch_unwind(AssertUnwindSafe(|| drop(camera))).is_err() {
                tracing::warn!(camera = %self.device.name, "the camera did not stop cleanly");
            } else {
                tracing::info!(camera = %self.device.name, "camera released");
            }
        }
    }
}
