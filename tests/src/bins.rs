//! Where the workspace's built binaries are: in the profile folder of the running
//! test or bench (`target/<profile>/`).

use std::path::PathBuf;

pub fn built(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("own executable path");
    let mut dir = exe.parent().expect("executable has a folder");
    // Tests run from target/<profile>/deps/, binaries (the bench) from target/<profile>/.
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir = dir.parent().expect("deps/ is in the profile folder");
    }
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace --bins` first (scripts/test.sh does)",
        path.display()
    );
    path
}

/// The repository root, for artifacts.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repo")
        .to_owned()
}
