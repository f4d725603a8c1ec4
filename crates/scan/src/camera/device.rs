//! Webcams through nokhwa's native backends (V4L2, Media Foundation, AVFoundation).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
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
///
/// nokhwa's camera may not move between threads (AVFoundation and Media Foundation
/// objects are tied to the thread that made them), so it is opened, read and closed on a
/// thread of its own, which hands each frame over, already converted to luma.
pub struct CameraSource {
    frames: Option<mpsc::Receiver<Result<Frame, FrameError>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
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
        let name = name.map(str::to_owned);
        let stop = Arc::new(AtomicBool::new(false));
        let (opened, open_result) = mpsc::channel();
        // One frame in hand at most: the reader moves each on at once into the pipeline's
        // latest-frame slot, so nothing queues here.
        let (send_frame, frames) = mpsc::sync_channel(1);
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("camera".into())
                .spawn(move || {
                    let camera =
                        match catch_unwind(AssertUnwindSafe(|| open_named(name.as_deref()))) {
                            Ok(Ok(camera)) => camera,
                            Ok(Err(e)) => {
                                let _ = opened.send(Err(e));
                                return;
                            }
                            Err(_) => {
                                let _ = opened.send(Err(CameraError::Backend(
                                    "opening the camera failed".into(),
                                )));
                                return;
                            }
                        };
                    let (mut camera, device, format) = camera;
                    let name = device.name.clone();
                    let _ = opened.send(Ok((device, format)));
                    while !stop.load(Ordering::SeqCst) {
                        if send_frame.send(capture(&mut camera)).is_err() {
                            break;
                        }
                    }
                    // nokhwa's own Drop unwraps the result of stopping the stream; a
                    // camera unplugged mid-stream must not take the desk down with it.
                    if catch_unwind(AssertUnwindSafe(|| drop(camera))).is_err() {
                        tracing::warn!(camera = %name, "the camera did not stop cleanly");
                    } else {
                        tracing::info!(camera = %name, "camera released");
                    }
                })
                .map_err(|e| CameraError::Backend(format!("no camera thread: {e}")))?
        };
        match open_result.recv() {
            Ok(Ok((device, format))) => {
                tracing::info!(camera = %device.name, ?format, "camera open");
                Ok(CameraSource {
                    frames: Some(frames),
                    stop,
                    thread: Some(thread),
                    device,
                    format,
                })
            }
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(CameraError::Backend("the camera thread ended".into()))
            }
        }
    }

    pub fn device(&self) -> &CameraDevice {
        &self.device
    }

    pub fn format(&self) -> CaptureFormat {
        self.format
    }
}

fn open_named(name: Option<&str>) -> Result<(Camera, CameraDevice, CaptureFormat), CameraError> {
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
    let (camera, format) = open_camera(info.index().clone())?;
    Ok((camera, device, format))
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

/// One frame from the camera, as luma; a failure is that frame's error.
fn capture(camera: &mut Camera) -> Result<Frame, FrameError> {
    let buffer = match catch_unwind(AssertUnwindSafe(|| camera.frame())) {
        Ok(Ok(buffer)) => buffer,
        Ok(Err(e)) => return Err(FrameError::Camera(CameraError::from(e).to_string())),
        Err(_) => return Err(FrameError::Camera("the camera backend panicked".into())),
    };
    let resolution = buffer.resolution();
    luma_frame(
        pixel_format(buffer.source_frame_format()),
        resolution.width(),
        resolution.height(),
        buffer.buffer(),
    )
}

impl FrameSource for CameraSource {
    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        self.frames.as_ref()?.recv().ok()
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Unblocks a camera thread waiting to hand over a frame.
        self.frames = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
