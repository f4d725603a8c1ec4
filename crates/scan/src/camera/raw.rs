//! A captured buffer as the decoder's luma frame. The decoder needs only brightness, so
//! no format is converted to colour first: YUYV and NV12 already carry it as their Y
//! bytes, and MJPEG is decoded straight to grey by `image`.

use std::path::Path;

use super::format::PixelFormat;
use crate::decode::{Frame, FrameError};

/// The luma frame of one captured buffer. A corrupt MJPEG frame is an error for that
/// frame only (never a panic); one cut short is decoded leniently, the missing part grey.
pub fn luma_frame(
    pixel_format: PixelFormat,
    width: u32,
    height: u32,
    bytes: &[u8],
) -> Result<Frame, FrameError> {
    let pixels = (width as usize) * (height as usize);
    let short = |expected: usize| FrameError::Size {
        width,
        height,
        expected,
        actual: bytes.len(),
    };
    match pixel_format {
        PixelFormat::Mjpeg => Frame::from_encoded(bytes, Path::new("camera frame")),
        PixelFormat::Yuyv => {
            // Y0 U Y1 V: every even byte is a pixel's luma.
            let wanted = pixels * 2;
            let data = bytes.get(..wanted).ok_or_else(|| short(wanted))?;
            Frame::new(width, height, data.iter().step_by(2).copied().collect())
        }
        PixelFormat::Nv12 | PixelFormat::Gray => {
            // NV12 is the full Y plane, then the half-size interleaved chroma.
            let data = bytes.get(..pixels).ok_or_else(|| short(pixels))?;
            Frame::new(width, height, data.to_vec())
        }
        PixelFormat::Rgb | PixelFormat::Bgr => {
            let wanted = pixels * 3;
            let data = bytes.get(..wanted).ok_or_else(|| short(wanted))?;
            let (r, b) = if pixel_format == PixelFormat::Rgb {
                (0, 2)
            } else {
                (2, 0)
            };
            // ITU-R BT.601 weights, in integers.
            let luma = data
                .chunks_exact(3)
                .map(|p| {
                    ((u32::from(p[r]) * 299 + u32::from(p[1]) * 587 + u32::from(p[b]) * 114) / 1000)
                        as u8
                })
                .collect();
            Frame::new(width, height, luma)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::GrayImage::from_fn(width, height, |x, y| {
            image::Luma([if (x / 8 + y / 8) % 2 == 0 { 30 } else { 220 }])
        });
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
            .unwrap();
        bytes
    }

    #[test]
    fn an_mjpeg_frame_decodes_to_luma() {
        let frame = luma_frame(PixelFormat::Mjpeg, 64, 48, &jpeg(64, 48)).unwrap();
        assert_eq!((frame.width(), frame.height()), (64, 48));
        assert!(frame.luma()[0] < 80 && frame.luma()[8] > 170);
    }

    #[test]
    fn a_truncated_mjpeg_frame_is_decoded_leniently() {
        let whole = jpeg(320, 240);
        let frame = luma_frame(PixelFormat::Mjpeg, 320, 240, &whole[..whole.len() / 2]).unwrap();
        assert_eq!((frame.width(), frame.height()), (320, 240));
        // The top survived; it still holds the pattern.
        assert!(frame.luma()[0] < 80 && frame.luma()[8] > 170);
    }

    #[test]
    fn a_corrupt_mjpeg_frame_is_an_error_not_a_panic() {
        let mut garbage = jpeg(64, 48);
        // Keep the SOI marker, wreck the headers after it.
        for b in garbage.iter_mut().skip(2).take(200) {
            *b = 0xA5;
        }
        assert!(luma_frame(PixelFormat::Mjpeg, 64, 48, &garbage).is_err());
        assert!(luma_frame(PixelFormat::Mjpeg, 64, 48, &[]).is_err());
        assert!(luma_frame(PixelFormat::Mjpeg, 64, 48, &[0xFF, 0xD8, 0xFF]).is_err());
    }

    #[test]
    fn yuyv_nv12_and_rgb_keep_the_brightness() {
        let yuyv = [10, 128, 20, 128, 30, 128, 40, 128];
        assert_eq!(
            luma_frame(PixelFormat::Yuyv, 2, 2, &yuyv).unwrap().luma(),
            &[10, 20, 30, 40]
        );
        let nv12 = [1, 2, 3, 4, 128, 128];
        assert_eq!(
            luma_frame(PixelFormat::Nv12, 2, 2, &nv12).unwrap().luma(),
            &[1, 2, 3, 4]
        );
        let rgb = [255, 0, 0, 0, 0, 255];
        assert_eq!(
            luma_frame(PixelFormat::Rgb, 2, 1, &rgb).unwrap().luma(),
            &[76, 29]
        );
        assert_eq!(
            luma_frame(PixelFormat::Bgr, 2, 1, &rgb).unwrap().luma(),
            &[29, 76]
        );
    }

    #[test]
    fn a_short_buffer_is_a_size_error() {
        assert!(matches!(
            luma_frame(PixelFormat::Yuyv, 4, 4, &[0; 10]),
            Err(FrameError::Size { .. })
        ));
    }
}
