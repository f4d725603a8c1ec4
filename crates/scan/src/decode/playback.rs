//! Image files played as if they were a camera: the developer setting "frame source:
//! files". One file is shown as a still, a folder's images in name order as a video that
//! loops, each at a fixed rate. Unlike [`FileSource`](super::FileSource), this source is
//! live: the pipeline treats it exactly as a webcam, dropping frames it has no time for.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::frame::{Frame, FrameError, FrameSource};

/// The image files a path names: itself, or a folder's PNG and JPEG files in name order.
pub fn playback_files(path: &Path) -> Result<Vec<PathBuf>, FrameError> {
    let read_error = |source| FrameError::Read {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(read_error)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(FrameError::Image {
            path: path.to_owned(),
            message: "the folder holds no PNG or JPEG images".into(),
        });
    }
    Ok(files)
}

/// Plays files at `fps`, looping, until dropped.
#[derive(Debug)]
pub struct PlaybackSource {
    files: Vec<PathBuf>,
    next: usize,
    interval: Duration,
    due: Option<Instant>,
}

impl PlaybackSource {
    pub const FPS_RANGE: std::ops::RangeInclusive<u32> = 1..=60;

    /// The files of `path` (see [`playback_files`]) at `fps` frames a second.
    pub fn open(path: &Path, fps: u32) -> Result<PlaybackSource, FrameError> {
        let fps = fps.clamp(*Self::FPS_RANGE.start(), *Self::FPS_RANGE.end());
        Ok(PlaybackSource {
            files: playback_files(path)?,
            next: 0,
            interval: Duration::from_secs(1) / fps,
            due: None,
        })
    }

    /// How many files one pass plays.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl FrameSource for PlaybackSource {
    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        let now = Instant::now();
        let due = self.due.unwrap_or(now);
        if due > now {
            std::thread::sleep(due - now);
        }
        // Keep to the rate over time, but never try to catch up a long stall in a burst.
        self.due = Some((due + self.interval).max(Instant::now()));
        let path = self.files.get(self.next)?;
        self.next = (self.next + 1) % self.files.len();
        Some(Frame::from_file(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(path: &Path, shade: u8) {
        image::GrayImage::from_pixel(2, 2, image::Luma([shade]))
            .save(path)
            .unwrap();
    }

    #[test]
    fn a_folder_plays_its_images_in_name_order_and_loops() {
        let dir = tempfile::tempdir().unwrap();
        write_png(&dir.path().join("b.png"), 20);
        write_png(&dir.path().join("a.png"), 10);
        std::fs::write(dir.path().join("notes.txt"), "not a frame").unwrap();
        let mut source = PlaybackSource::open(dir.path(), 60).unwrap();
        assert!(source.is_live());
        assert_eq!(source.len(), 2);
        let shades: Vec<u8> = (0..5)
            .map(|_| source.next_frame().unwrap().unwrap().luma()[0])
            .collect();
        assert_eq!(shades, [10, 20, 10, 20, 10]);
    }

    #[test]
    fn one_file_is_a_still_and_a_bad_path_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let still = dir.path().join("still.png");
        write_png(&still, 99);
        let mut source = PlaybackSource::open(&still, 30).unwrap();
        for _ in 0..3 {
            assert_eq!(source.next_frame().unwrap().unwrap().luma(), &[99; 4]);
        }
        assert!(matches!(
            PlaybackSource::open(&dir.path().join("missing"), 30),
            Err(FrameError::Read { .. })
        ));
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(matches!(
            PlaybackSource::open(&empty, 30),
            Err(FrameError::Image { .. })
        ));
    }
}
