//! Which of a camera's formats to capture in, as a pure function over what it offers.
//!
//! MJPEG at 1280×720 and 30 fps is what most USB webcams deliver fastest: the frame is
//! compressed on the camera, so the USB link is not the limit, and 720p gives a carrier
//! barcode enough pixels per bar at arm's length. YUYV is uncompressed and usually limited
//! to fewer frames per second at that size, so it comes second. Anything else the device
//! offers is used rather than no picture at all.

use serde::Serialize;

/// How the bytes of a captured frame are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PixelFormat {
    Mjpeg,
    Yuyv,
    Nv12,
    Gray,
    Rgb,
    Bgr,
}

/// One format a camera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CaptureFormat {
    pub pixel_format: PixelFormat,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// The size and rate we want.
pub const PREFERRED_WIDTH: u32 = 1280;
pub const PREFERRED_HEIGHT: u32 = 720;
pub const PREFERRED_FPS: u32 = 30;

/// The format to capture in: MJPEG, then YUYV, then any other, each at the size closest
/// to 1280×720 and the rate closest to 30 fps. `None` when nothing is offered.
pub fn choose_format(offered: &[CaptureFormat]) -> Option<CaptureFormat> {
    offered.iter().copied().min_by_key(rank)
}

/// Smaller is better; compared field by field.
fn rank(format: &CaptureFormat) -> (u8, u64, u32, u32) {
    let family = match format.pixel_format {
        PixelFormat::Mjpeg => 0,
        PixelFormat::Yuyv => 1,
        // Luma is all the decoder needs, so a grey or NV12 stream converts cheapest.
        PixelFormat::Gray | PixelFormat::Nv12 => 2,
        PixelFormat::Rgb | PixelFormat::Bgr => 3,
    };
    let wanted = u64::from(PREFERRED_WIDTH) * u64::from(PREFERRED_HEIGHT);
    let pixels = u64::from(format.width) * u64::from(format.height);
    // Below 720p a barcode gets too few pixels per bar; above it a frame costs more to
    // decode than it gains. Too small is worse than too big, so it counts double.
    let size_gap = if pixels < wanted {
        (wanted - pixels) * 2
    } else {
        pixels - wanted
    };
    // Below 30 fps the preview stutters; above it, frames are only dropped in the slot.
    let fps_gap = if format.fps < PREFERRED_FPS {
        (PREFERRED_FPS - format.fps) * 2
    } else {
        format.fps - PREFERRED_FPS
    };
    // Ties: the wider frame (more room around the aim box).
    (family, size_gap, fps_gap, u32::MAX - format.width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pixel_format: PixelFormat, width: u32, height: u32, fps: u32) -> CaptureFormat {
        CaptureFormat {
            pixel_format,
            width,
            height,
            fps,
        }
    }

    #[test]
    fn mjpeg_720p_at_30_fps_is_preferred() {
        let offered = [
            f(PixelFormat::Yuyv, 1280, 720, 10),
            f(PixelFormat::Mjpeg, 1920, 1080, 30),
            f(PixelFormat::Mjpeg, 1280, 720, 15),
            f(PixelFormat::Mjpeg, 1280, 720, 30),
            f(PixelFormat::Mjpeg, 640, 480, 30),
            f(PixelFormat::Yuyv, 640, 480, 30),
        ];
        assert_eq!(
            choose_format(&offered),
            Some(f(PixelFormat::Mjpeg, 1280, 720, 30))
        );
    }

    #[test]
    fn without_720p_mjpeg_the_closest_mjpeg_size_and_rate_wins() {
        let offered = [
            f(PixelFormat::Mjpeg, 640, 480, 30),
            f(PixelFormat::Mjpeg, 1920, 1080, 30),
            f(PixelFormat::Mjpeg, 1920, 1080, 5),
            f(PixelFormat::Yuyv, 1280, 720, 30),
        ];
        // 1080p is 1.15 Mpx more than 720p; 480p is 0.61 Mpx less, counted double.
        assert_eq!(
            choose_format(&offered),
            Some(f(PixelFormat::Mjpeg, 1920, 1080, 30))
        );
        assert_eq!(
            choose_format(&offered[..1]),
            Some(f(PixelFormat::Mjpeg, 640, 480, 30))
        );
    }

    #[test]
    fn without_mjpeg_yuyv_then_anything_offered() {
        let yuyv = [
            f(PixelFormat::Nv12, 1280, 720, 30),
            f(PixelFormat::Yuyv, 1280, 720, 10),
            f(PixelFormat::Yuyv, 640, 480, 30),
        ];
        assert_eq!(
            choose_format(&yuyv),
            Some(f(PixelFormat::Yuyv, 1280, 720, 10))
        );
        let other = [
            f(PixelFormat::Rgb, 1280, 720, 30),
            f(PixelFormat::Gray, 800, 600, 20),
        ];
        assert_eq!(
            choose_format(&other),
            Some(f(PixelFormat::Gray, 800, 600, 20))
        );
        assert_eq!(choose_format(&[]), None);
    }
}
