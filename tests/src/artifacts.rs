//! Test artifacts (screenshots) under `test-artifacts/`, kept after the run for people
//! to look at.

use std::path::PathBuf;

pub fn dir(test: &str) -> PathBuf {
    let dir = crate::bins::repo_root().join("test-artifacts").join(test);
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}
