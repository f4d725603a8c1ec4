//! The preview picture: a frame shrunk to at most the preview width and encoded as JPEG,
//! with the aim box and the code's points in its pixels.

use std::io::Cursor;

use image::ExtendedColorType;
use image::codecs::jpeg::JpegEncoder;

use super::message::Outline;
use crate::decode::{AimBox, Frame, Read};

pub struct Picture {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub aim: [f32; 4],
    pub code: Option<Outline>,
}

/// `frame` as a JPEG at most `max_width` wide; `reads` (in the frame's pixels) outlined.
pub fn picture(
    frame: &Frame,
    aim_box: AimBox,
    reads: &[Read],
    max_width: u32,
    quality: u8,
) -> Result<Picture, image::ImageError> {
    let factor = frame.width().div_ceil(max_width.max(1)).max(1);
    let small = frame.downscale(factor).unwrap_or_else(|| frame.clone());
    let jpeg = encode_jpeg(&small, quality)?;
    let scale = |v: u32| v as f32 / factor as f32;
    let (x, y, w, h) = aim_box.rect(frame.width(), frame.height());
    let code = reads.first().map(|read| Outline {
        text: read.text.clone(),
        points: read
            .position
            .iter()
            .map(|&(px, py)| [px / factor as f32, py / factor as f32])
            .collect(),
    });
    Ok(Picture {
        jpeg,
        width: small.width(),
        height: small.height(),
        aim: [scale(x), scale(y), scale(w), scale(h)],
        code,
    })
}

/// A grey JPEG of `frame` at its own size.
pub fn encode_jpeg(frame: &Frame, quality: u8) -> Result<Vec<u8>, image::ImageError> {
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), quality.clamp(1, 100)).encode(
        frame.luma(),
        frame.width(),
        frame.height(),
        ExtendedColorType::L8,
    )?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Symbology;

    #[test]
    fn a_720p_frame_is_shown_at_640_with_the_box_and_code_scaled() {
        let frame = Frame::new(1280, 720, vec![200; 1280 * 720]).unwrap();
        let read = Read {
            symbology: Symbology::Qr,
            text: "7K3Q-9XTM".into(),
            position: vec![(400.0, 200.0), (600.0, 300.0)],
        };
        let aim = AimBox {
            width: 0.5,
            height: 0.6,
        };
        let p = picture(&frame, aim, &[read], 640, 70).unwrap();
        assert_eq!((p.width, p.height), (640, 360));
        assert_eq!(p.aim, [160.0, 72.0, 320.0, 216.0]);
        let code = p.code.unwrap();
        assert_eq!(code.points, vec![[200.0, 100.0], [300.0, 150.0]]);
        let decoded = image::load_from_memory(&p.jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (640, 360));
    }

    #[test]
    fn a_small_frame_keeps_its_size() {
        let frame = Frame::new(320, 240, vec![0; 320 * 240]).unwrap();
        let aim = AimBox {
            width: 1.0,
            height: 1.0,
        };
        let p = picture(&frame, aim, &[], 640, 70).unwrap();
        assert_eq!((p.width, p.height, p.code), (320, 240, None));
        assert_eq!(p.aim, [0.0, 0.0, 320.0, 240.0]);
    }
}
