//! Frames: 8-bit luma images, and the sources that yield them (files now, a camera later).

use std::collections::VecDeque;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Why a frame could not be had.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a readable image: {message}")]
    Image { path: PathBuf, message: String },
    #[error("camera frame: {0}")]
    Camera(String),
    #[error("a frame of {width}×{height} needs {expected} luma bytes, got {actual}")]
    Size {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
}

/// One image as the decoder sees it: 8-bit luma, row by row, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    width: u32,
    height: u32,
    luma: Vec<u8>,
}

impl Frame {
    /// A frame of `width × height` luma bytes; empty frames are refused because no
    /// decoder stage has anything to do with them.
    pub fn new(width: u32, height: u32, luma: Vec<u8>) -> Result<Frame, FrameError> {
        let expected = (width as usize).checked_mul(height as usize).unwrap_or(0);
        if expected == 0 || luma.len() != expected {
            return Err(FrameError::Size {
                width,
                height,
                expected,
                actual: luma.len(),
            });
        }
        Ok(Frame {
            width,
            height,
            luma,
        })
    }

    /// Decodes an encoded image (PNG or JPEG) into luma.
    pub fn from_encoded(bytes: &[u8], name: &Path) -> Result<Frame, FrameError> {
        let image_error = |message: String| FrameError::Image {
            path: name.to_owned(),
            message,
        };
        // Image decoders are fed whatever a camera or a file holds; one that panics on
        // odd bytes must cost us the frame, not the capture thread.
        let decoded = catch_unwind(AssertUnwindSafe(|| {
            image::ImageReader::new(Cursor::new(bytes))
                .with_guessed_format()
                .map_err(|e| e.to_string())?
                .decode()
                .map_err(|e| e.to_string())
        }))
        .map_err(|_| image_error("the image decoder panicked".into()))?
        .map_err(image_error)?;
        let luma = decoded.into_luma8();
        let (width, height) = luma.dimensions();
        Frame::new(width, height, luma.into_raw())
    }

    /// Reads and decodes one image file.
    pub fn from_file(path: &Path) -> Result<Frame, FrameError> {
        let bytes = std::fs::read(path).map_err(|source| FrameError::Read {
            path: path.to_owned(),
            source,
        })?;
        Frame::from_encoded(&bytes, path)
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn luma(&self) -> &[u8] {
        &self.luma
    }

    pub fn into_luma(self) -> Vec<u8> {
        self.luma
    }

    /// The pixels of the rectangle at `(x, y)`, clamped to the frame; `None` when
    /// nothing of it is inside.
    pub fn crop(&self, x: u32, y: u32, width: u32, height: u32) -> Option<Frame> {
        let x_end = x.saturating_add(width).min(self.width);
        let y_end = y.saturating_add(height).min(self.height);
        if x >= x_end || y >= y_end {
            return None;
        }
        let mut luma = Vec::with_capacity(((x_end - x) * (y_end - y)) as usize);
        for row in y..y_end {
            let start = (row * self.width + x) as usize;
            luma.extend_from_slice(&self.luma[start..start + (x_end - x) as usize]);
        }
        Some(Frame {
            width: x_end - x,
            height: y_end - y,
            luma,
        })
    }

    /// The frame shrunk by a whole `factor`, each pixel the mean of a factor × factor
    /// block (averaging rather than skipping keeps thin bars from vanishing). `None`
    /// when the result would be empty.
    pub fn downscale(&self, factor: u32) -> Option<Frame> {
        if factor <= 1 {
            return Some(self.clone());
        }
        let (width, height) = (self.width / factor, self.height / factor);
        if width == 0 || height == 0 {
            return None;
        }
        // Row by row, in memory order, a block row at a time: the decoder shrinks a
        // whole frame on every frame, so this is on the hot path.
        // The rows of a block are added column by column first (straight runs the
        // compiler vectorises), then each block's columns.
        let (factor, out_width) = (factor as usize, width as usize);
        let area = (factor * factor) as u32;
        let mut luma = Vec::with_capacity(out_width * height as usize);
        let mut columns = vec![0u32; out_width * factor];
        for rows in self
            .luma
            .chunks_exact(self.width as usize * factor)
            .take(height as usize)
        {
            columns.fill(0);
            for row in rows.chunks_exact(self.width as usize) {
                for (sum, &p) in columns.iter_mut().zip(row) {
                    *sum += u32::from(p);
                }
            }
            luma.extend(
                columns
                    .chunks_exact(factor)
                    .map(|block| (block.iter().sum::<u32>() / area) as u8),
            );
        }
        Some(Frame {
            width,
            height,
            luma,
        })
    }

    /// The frame with each run of `factor` rows averaged into one (the width kept);
    /// `None` when the result would be empty.
    pub fn average_rows(&self, factor: u32) -> Option<Frame> {
        if factor <= 1 {
            return Some(self.clone());
        }
        let height = self.height / factor;
        if height == 0 {
            return None;
        }
        let width = self.width as usize;
        let mut luma = Vec::with_capacity(width * height as usize);
        let mut sums = vec![0u32; width];
        for rows in self
            .luma
            .chunks_exact(width * factor as usize)
            .take(height as usize)
        {
            sums.fill(0);
            for row in rows.chunks_exact(width) {
                for (sum, &p) in sums.iter_mut().zip(row) {
                    *sum += u32::from(p);
                }
            }
            luma.extend(sums.iter().map(|&sum| (sum / factor) as u8));
        }
        Some(Frame {
            width: self.width,
            height,
            luma,
        })
    }
}

/// Where frames come from: a camera (later) or files. `None` when the source has ended.
pub trait FrameSource {
    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>>;

    /// A live source (a camera) keeps producing whether or not frames are decoded, so
    /// the pipeline keeps only the newest. A recorded one (files) is decoded frame by
    /// frame, which makes runs over files repeatable.
    fn is_live(&self) -> bool {
        true
    }
}

/// Image files as frames: one file is a still, an ordered list of files a "video".
#[derive(Debug, Clone)]
pub struct FileSource {
    paths: VecDeque<PathBuf>,
}

impl FileSource {
    pub fn image(path: impl Into<PathBuf>) -> FileSource {
        FileSource {
            paths: VecDeque::from([path.into()]),
        }
    }

    pub fn video(paths: impl IntoIterator<Item = PathBuf>) -> FileSource {
        FileSource {
            paths: paths.into_iter().collect(),
        }
    }
}

impl FrameSource for FileSource {
    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        let path = self.paths.pop_front()?;
        Some(Frame::from_file(&path))
    }

    fn is_live(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(width: u32, height: u32) -> Frame {
        let luma = (0..width * height).map(|i| (i % 251) as u8).collect();
        Frame::new(width, height, luma).unwrap()
    }

    #[test]
    fn a_frame_must_hold_exactly_its_pixels() {
        assert!(Frame::new(2, 2, vec![0; 3]).is_err());
        assert!(Frame::new(0, 5, vec![]).is_err());
        assert!(Frame::new(u32::MAX, u32::MAX, vec![0; 4]).is_err());
        assert_eq!(Frame::new(2, 2, vec![1; 4]).unwrap().luma(), &[1; 4]);
    }

    #[test]
    fn crops_are_clamped_to_the_frame() {
        let frame = ramp(10, 4);
        let crop = frame.crop(8, 2, 5, 5).unwrap();
        assert_eq!((crop.width(), crop.height()), (2, 2));
        assert_eq!(crop.luma(), &[28, 29, 38, 39]);
        assert!(frame.crop(10, 0, 3, 3).is_none());
    }

    #[test]
    fn downscaling_averages_blocks() {
        let frame = Frame::new(4, 2, vec![0, 255, 10, 20, 255, 0, 30, 40]).unwrap();
        let small = frame.downscale(2).unwrap();
        assert_eq!((small.width(), small.height()), (2, 1));
        assert_eq!(small.luma(), &[127, 25]);
        assert!(ramp(3, 1).downscale(2).is_none());
        // Odd sizes drop the partial blocks at the right and bottom edges; every block
        // is the mean of its pixels.
        let frame = Frame::new(11, 7, (0..77u32).map(|i| (i * 37 % 256) as u8).collect()).unwrap();
        for factor in [2, 3] {
            let small = frame.downscale(factor).unwrap();
            assert_eq!((small.width(), small.height()), (11 / factor, 7 / factor));
            for by in 0..small.height() {
                for bx in 0..small.width() {
                    let mut sum = 0;
                    for y in by * factor..(by + 1) * factor {
                        for x in bx * factor..(bx + 1) * factor {
                            sum += u32::from(frame.luma()[(y * 11 + x) as usize]);
                        }
                    }
                    assert_eq!(
                        u32::from(small.luma()[(by * small.width() + bx) as usize]),
                        sum / (factor * factor),
                        "block ({bx}, {by}) at factor {factor}"
                    );
                }
            }
        }
    }

    #[test]
    fn averaging_rows_keeps_the_width() {
        let frame = Frame::new(3, 5, (0..15u8).map(|i| i * 10).collect()).unwrap();
        let averaged = frame.average_rows(2).unwrap();
        assert_eq!((averaged.width(), averaged.height()), (3, 2));
        // Rows 0-1 and 2-3; the fifth row, alone, is dropped.
        assert_eq!(averaged.luma(), &[15, 25, 35, 75, 85, 95]);
        assert_eq!(frame.average_rows(1).unwrap(), frame);
        assert!(frame.average_rows(6).is_none());
    }

    #[test]
    fn a_corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.png");
        let mut png = Vec::new();
        image::GrayImage::new(4, 4)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        png.truncate(png.len() / 2);
        std::fs::write(&path, &png).unwrap();
        assert!(matches!(
            Frame::from_file(&path),
            Err(FrameError::Image { .. })
        ));
        assert!(matches!(
            Frame::from_file(&dir.path().join("missing.png")),
            Err(FrameError::Read { .. })
        ));
    }

    #[test]
    fn a_video_yields_its_files_in_order_then_ends() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (i, shade) in [10u8, 200].into_iter().enumerate() {
            let path = dir.path().join(format!("{i}.png"));
            image::GrayImage::from_pixel(3, 2, image::Luma([shade]))
                .save(&path)
                .unwrap();
            paths.push(path);
        }
        let mut source = FileSource::video(paths);
        assert!(!source.is_live());
        assert_eq!(source.next_frame().unwrap().unwrap().luma(), &[10; 6]);
        assert_eq!(source.next_frame().unwrap().unwrap().luma(), &[200; 6]);
        assert!(source.next_frame().is_none());
    }
}
