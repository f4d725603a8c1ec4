//! How the desk app is started: its command-line options and the first sign-in.

use std::path::PathBuf;

use clap::Parser;
use frontdesk_desk_core::camera_settings::{DEFAULT_FILES_FPS, FrameSourceSetting};
use frontdesk_desk_core::session::SessionStorePolicy;
use frontdesk_desk_core::{Desk, DeskOptions};

/// Options for provisioning a desk PC (all optional; a desk normally starts bare and
/// asks for its server and sign-in on screen).
#[derive(Debug, Parser)]
#[command(name = "frontdesk", version, about = "Frontdesk desk app")]
pub struct Args {
    /// Folder of this desk's local store and session (default: the OS app-data folder).
    #[arg(long, env = "FRONTDESK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Building server address to use (prefills the sign-in screen).
    #[arg(long, env = "FRONTDESK_SERVER_URL")]
    pub server: Option<String>,

    /// Sign in as this staff email on start, with the password from FRONTDESK_PASSWORD.
    #[arg(long, env = "FRONTDESK_SIGN_IN", requires = "server")]
    pub sign_in: Option<String>,

    /// Keep the session token in a file instead of the OS keyring.
    #[arg(long, env = "FRONTDESK_SESSION_FILE")]
    pub session_file: bool,

    /// Developer setting: play this image file or folder of images to the camera
    /// preview instead of a camera (saved in Settings, where it can be turned off).
    #[arg(long, env = "FRONTDESK_FRAME_SOURCE_FILES")]
    pub frame_source_files: Option<String>,

    /// Frames a second for --frame-source-files.
    #[arg(long, env = "FRONTDESK_FRAME_SOURCE_FPS", default_value_t = DEFAULT_FILES_FPS)]
    pub frame_source_fps: u32,
}

pub async fn open_desk(args: &Args, data_dir: PathBuf) -> anyhow::Result<Desk> {
    let mut options = DeskOptions::new(data_dir);
    if args.session_file {
        options.session_store = SessionStorePolicy::FileOnly;
    }
    let desk = Desk::open(options).await?;
    if let Some(server) = &args.server {
        desk.remember_server_url(server).await?;
    }
    if let Some(path) = &args.frame_source_files {
        let mut settings = desk.camera_settings().await?;
        settings.frame_source = FrameSourceSetting::Files {
            path: path.clone(),
            fps: args.frame_source_fps,
        };
        desk.set_camera_settings(settings).await?;
    }
    if let (Some(server), Some(email)) = (&args.server, &args.sign_in) {
        match std::env::var("FRONTDESK_PASSWORD") {
            Ok(password) => match desk.sign_in(server, email, &password).await {
                Ok(s) => tracing::info!("signed in as {} at {}", s.staff.name, s.building.name),
                // The sign-in screen takes over; the desk still opens.
                Err(e) => tracing::error!("automatic sign-in as {email} failed: {e}"),
            },
            Err(_) => tracing::error!("--sign-in needs the password in FRONTDESK_PASSWORD"),
        }
    }
    Ok(desk)
}
