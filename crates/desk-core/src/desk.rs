//! [`Desk`]: the one handle the shell holds.

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use frontdesk_protocol::{
    Attachment, Authority, Building, InstructionTarget, PackageEdit, PackageTransition,
    ReactionKind, StaffMember,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{Mutex, broadcast, watch};
use tokio::task::JoinHandle;
use ts_rs::TS;

use crate::blobs::BlobStore;
use crate::camera_preview::{CameraPreview, PreviewStart};
use crate::camera_settings::CameraSettings;
use crate::directory::{ResidentDetail, ResidentSearch};
use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::instructions::{Author, InstructionView};
use crate::labels::{self, LabelSettings};
use crate::messaging::{
    ConversationDetail, ConversationQuery, ConversationSummary, MessageAlert, MessagePage,
    StaffOption,
};
use crate::outbox::OutboxItem;
use crate::packages::{NewPackage, PackageDetail, PackageEventView, PackageQuery, PackageView};
use crate::photos::PackagePhotoView;
use crate::scanning::{ScanLookup, ScannerSettings};
use crate::server_api::{ServerApi, Timeouts, parse_server_url};
use crate::session::{SessionStorePolicy, TokenVault};
use crate::store::Store;
use crate::sync::engine::status_from_store;
use crate::sync::{Changed, ConnectionState, Credentials, SyncEngine, SyncHandles, SyncStatus};

/// Who is signed in at this desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SignedIn {
    pub staff: StaffMember,
    pub building: Building,
    #[ts(type = "number")]
    pub expires_at_ms: i64,
}

/// Where the session token is kept between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SessionStorage {
    /// The operating system's keyring (Secret Service, Keychain, Credential Manager).
    Keyring,
    /// No keyring here: a file readable only by this user in the desk's data folder.
    File,
}

/// Everything the UI needs to draw its first screen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Bootstrap {
    pub server_url: Option<String>,
    /// `en` or `fr`; None means "follow the operating system".
    pub language: Option<String>,
    pub signed_in: Option<SignedIn>,
    pub session_storage: SessionStorage,
    pub status: SyncStatus,
}

pub struct DeskOptions {
    /// Where the store and the session file live (one folder per desk).
    pub data_dir: PathBuf,
    pub session_store: SessionStorePolicy,
    /// How often to pull when nothing else prompts it.
    pub poll_interval: Duration,
    /// How long to wait on the server (requests, the live connection's heartbeat).
    pub timeouts: Timeouts,
}

impl DeskOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            session_store: SessionStorePolicy::Auto,
            poll_interval: Duration::from_secs(10),
            timeouts: Timeouts::default(),
        }
    }
}

const SERVER_URL: &str = "server_url";
const LANGUAGE: &str = "language";
/// Who is signed in (a [`SignedIn`]); the outbox stamps each write with its staff id.
pub(crate) const SIGNED_IN: &str = "signed_in";
const LABEL_SETTINGS: &str = "label_settings";
const SCANNER_SETTINGS: &str = "scanner_settings";
const CAMERA_SETTINGS: &str = "camera_settings";

pub const LANGUAGES: [&str; 2] = ["en", "fr"];

struct Active {
    signed_in: SignedIn,
    token: String,
    api: ServerApi,
    engine: SyncEngine,
}

pub struct Desk {
    store: Store,
    blobs: BlobStore,
    vault: TokenVault,
    handles: SyncHandles,
    poll_interval: Duration,
    timeouts: Timeouts,
    active: Arc<Mutex<Option<Active>>>,
    alerts: broadcast::Sender<MessageAlert>,
    /// Acts on applied messaging changes (see [`follow_messages`]).
    follower: JoinHandle<()>,
    camera: Arc<CameraPreview>,
}

impl Drop for Desk {
    fn drop(&mut self) {
        self.follower.abort();
    }
}

impl Desk {
    /// Opens the desk's store and, when a session was kept, resumes it: the desk is
    /// signed in at once, whether or not the server answers.
    pub async fn open(options: DeskOptions) -> DeskResult<Self> {
        std::fs::create_dir_all(&options.data_dir).map_err(|e| {
            DeskError::new(
                DeskErrorCode::Storage,
                format!("{}: {e}", options.data_dir.display()),
            )
        })?;
        let store = Store::open(&options.data_dir.join("desk.db")).await?;
        let blobs = BlobStore::open(&options.data_dir)?;
        crate::photos::adopt_photo_folder(&options.data_dir, &blobs).await?;
        let vault = TokenVault::open(&options.data_dir, options.session_store).await;
        let initial = status_from_store(&store, ConnectionState::SignedOut).await?;
        let handles = SyncHandles {
            status: watch::channel(initial).0,
            changed: broadcast::channel(64).0,
        };
        let active = Arc::new(Mutex::new(None));
        let alerts = broadcast::channel(64).0;
        let follower = tokio::spawn(follow_messages(
            store.clone(),
            handles.clone(),
            Arc::downgrade(&active),
            alerts.clone(),
        ));
        let desk = Self {
            store,
            blobs,
            vault,
            handles,
            poll_interval: options.poll_interval,
            timeouts: options.timeouts,
            active,
            alerts,
            follower,
            camera: Arc::default(),
        };
        desk.resume().await?;
        Ok(desk)
    }

    async fn resume(&self) -> DeskResult<()> {
        let signed_in: Option<SignedIn> = self.store.setting(SIGNED_IN).await?;
        let server_url: Option<String> = self.store.setting(SERVER_URL).await?;
        let (Some(signed_in), Some(server_url)) = (signed_in, server_url) else {
            return Ok(());
        };
        let token = match self.vault.load().await {
            Ok(Some(token)) => token,
            Ok(None) => {
                tracing::warn!("a session was recorded but its token is gone; sign in again");
                self.store.set_setting::<SignedIn>(SIGNED_IN, None).await?;
                return Ok(());
            }
            Err(e) => {
                tracing::error!("could not read the kept session: {e}");
                return Ok(());
            }
        };
        if signed_in.expires_at_ms <= crate::now_ms() {
            tracing::info!("the kept session has expired; sign in again");
            self.forget_session().await?;
            return Ok(());
        }
        let api = ServerApi::new(parse_server_url(&server_url)?, self.timeouts)?;
        self.activate(signed_in, token, api).await
    }

    async fn activate(&self, signed_in: SignedIn, token: String, api: ServerApi) -> DeskResult<()> {
        let mut active = self.active.lock().await;
        self.activate_in(&mut active, signed_in, token, api).await
    }

    /// [`Desk::activate`] with the session already locked.
    async fn activate_in(
        &self,
        active: &mut Option<Active>,
        signed_in: SignedIn,
        token: String,
        api: ServerApi,
    ) -> DeskResult<()> {
        // Stop the previous engine before the new one publishes.
        *active = None;
        if self.store.claim_messaging(&signed_in.staff.id).await? {
            tracing::info!("another staff member signed in: their conversations are pulled anew");
            let _ = self.handles.changed.send(Changed::Messages);
        }
        self.publish(ConnectionState::Reconnecting {
            attempt: 0,
            next_attempt_at_ms: crate::now_ms(),
        })
        .await?;
        let engine = SyncEngine::start(
            self.store.clone(),
            self.blobs.clone(),
            api.clone(),
            Credentials {
                token: token.clone(),
                staff_id: signed_in.staff.id.clone(),
            },
            self.handles.clone(),
            self.poll_interval,
        );
        *active = Some(Active {
            signed_in,
            token,
            api,
            engine,
        });
        Ok(())
    }

    async fn publish(&self, connection: ConnectionState) -> DeskResult<()> {
        self.handles
            .status
            .send_replace(status_from_store(&self.store, connection).await?);
        Ok(())
    }

    pub async fn bootstrap(&self) -> DeskResult<Bootstrap> {
        Ok(Bootstrap {
            server_url: self.store.setting(SERVER_URL).await?,
            language: self.store.setting(LANGUAGE).await?,
            signed_in: self
                .active
                .lock()
                .await
                .as_ref()
                .map(|a| a.signed_in.clone()),
            session_storage: self.vault.kind(),
            status: self.status(),
        })
    }

    pub async fn sign_in(
        &self,
        server_url: &str,
        email: &str,
        password: &str,
    ) -> DeskResult<SignedIn> {
        let base = parse_server_url(server_url)?;
        if email.trim().is_empty() || password.is_empty() {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                "email and password are required",
            ));
        }
        let api = ServerApi::new(base.clone(), self.timeouts)?;
        let session = api.login(email.trim(), password).await?;
        let signed_in = SignedIn {
            staff: session.staff,
            building: session.building,
            expires_at_ms: session.expires_at_ms,
        };

        // The cached directory belongs to one building's change log; another building
        // (or another server) starts from an empty cache.
        let previous_url: Option<String> = self.store.setting(SERVER_URL).await?;
        let previous_building = self.cached_building_id().await?;
        if previous_url.as_deref() != Some(base.as_str())
            || previous_building.is_some_and(|b| b != signed_in.building.id)
        {
            self.store.reset_building_cache().await?;
        }
        // Writes stamp themselves with who is signed in (SIGNED_IN), and a write holds
        // this lock: the previous staff member's last write cannot be stamped with the
        // new one's id.
        let mut active = self.active.lock().await;
        *active = None;
        self.vault.save(&session.token).await?;
        self.store
            .set_setting(SERVER_URL, Some(&base.as_str()))
            .await?;
        self.store.set_setting(SIGNED_IN, Some(&signed_in)).await?;
        self.activate_in(&mut active, signed_in.clone(), session.token, api)
            .await?;
        Ok(signed_in)
    }

    async fn cached_building_id(&self) -> DeskResult<Option<String>> {
        let kept: Option<SignedIn> = self.store.setting(SIGNED_IN).await?;
        if let Some(s) = kept {
            return Ok(Some(s.building.id));
        }
        let row: Option<(String,)> = sqlx::query_as("SELECT id FROM buildings LIMIT 1")
            .fetch_optional(self.store.pool())
            .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Signs out here at once; telling the server to revoke the token happens in the
    /// background so that signing out never waits on the network.
    pub async fn sign_out(&self) -> DeskResult<()> {
        let previous = self.active.lock().await.take();
        self.forget_session().await?;
        self.publish(ConnectionState::SignedOut).await?;
        if let Some(Active {
            token, api, engine, ..
        }) = previous
        {
            drop(engine);
            tokio::spawn(async move {
                if let Err(e) = api.logout(&token).await {
                    tracing::info!("the server was not told of the sign-out: {e}");
                }
            });
        }
        Ok(())
    }

    async fn forget_session(&self) -> DeskResult<()> {
        self.vault.clear().await?;
        self.store.set_setting::<SignedIn>(SIGNED_IN, None).await
    }

    pub fn status(&self) -> SyncStatus {
        self.handles.status.borrow().clone()
    }

    pub fn subscribe_status(&self) -> watch::Receiver<SyncStatus> {
        self.handles.status.subscribe()
    }

    pub fn subscribe_changes(&self) -> broadcast::Receiver<Changed> {
        self.handles.changed.subscribe()
    }

    /// Pushes and pulls now (and restarts syncing after a failed full resync), and
    /// answers with the status after the attempt (or after a few seconds, when the
    /// server is slow to answer).
    pub async fn sync_now(&self) -> DeskResult<SyncStatus> {
        let mut rx = self.subscribe_status();
        rx.mark_unchanged();
        {
            let active = self.active.lock().await;
            let Some(active) = active.as_ref() else {
                return Err(DeskError::new(
                    DeskErrorCode::NotSignedIn,
                    "sign in to sync",
                ));
            };
            active.engine.sync_now();
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), rx.changed()).await;
        Ok(self.status())
    }

    pub async fn search_residents(&self, query: &str, limit: u32) -> DeskResult<ResidentSearch> {
        self.store.search_residents(query, limit).await
    }

    pub async fn resident(&self, id: &str) -> DeskResult<ResidentDetail> {
        self.store.resident_detail(id).await
    }

    /// Records the server address (from provisioning) so the sign-in screen shows it.
    pub async fn remember_server_url(&self, server_url: &str) -> DeskResult<()> {
        let base = parse_server_url(server_url)?;
        self.store
            .set_setting(SERVER_URL, Some(&base.as_str()))
            .await
    }

    /// The instructions on a unit or resident, this desk's queued edits included.
    pub async fn instructions(
        &self,
        target: &InstructionTarget,
    ) -> DeskResult<Vec<InstructionView>> {
        let active = self.active.lock().await;
        let who = signed_in(&active)?;
        let author = Author {
            staff_id: &who.staff.id,
            building_id: &who.building.id,
        };
        self.store.instructions_for(target, &author).await
    }

    /// Saves an instruction (a new one when `id` is None): applied here at once and
    /// queued for the server, whether or not it is reachable.
    pub async fn save_instruction(
        &self,
        id: Option<String>,
        target: InstructionTarget,
        text: &str,
    ) -> DeskResult<()> {
        self.write(Changed::Instructions, |store| async move {
            let m = store
                .save_instruction(id, target, text, crate::now_ms())
                .await?;
            Ok((m, ()))
        })
        .await
    }

    pub async fn delete_instruction(&self, id: &str) -> DeskResult<()> {
        self.write(Changed::Instructions, |store| async move {
            let m = store.delete_instruction(id, crate::now_ms()).await?;
            Ok((m, ()))
        })
        .await
    }

    /// Parcels matching `query`, newest first, this desk's queued writes included.
    pub async fn packages(&self, query: &PackageQuery) -> DeskResult<Vec<PackageView>> {
        let active = self.active.lock().await;
        let who = signed_in(&active)?;
        self.store.packages(query, &author(who)).await
    }

    /// One parcel and its history.
    pub async fn package(&self, id: &str) -> DeskResult<(PackageView, Vec<PackageEventView>)> {
        let active = self.active.lock().await;
        let who = signed_in(&active)?;
        self.store.package(id, &author(who)).await
    }

    /// A parcel's page: the parcel, its history and its resident notices.
    pub async fn package_detail(&self, id: &str) -> DeskResult<PackageDetail> {
        let (view, events) = self.package(id).await?;
        let notices = self.store.package_notices(id).await?;
        Ok(PackageDetail {
            view,
            events,
            notices,
        })
    }

    /// Takes a parcel in: on the shelf here at once, queued for the server.
    pub async fn intake_package(&self, new: NewPackage) -> DeskResult<PackageView> {
        let intake = self
            .write(Changed::Packages, |store| async move {
                store.intake_package(new, crate::now_ms()).await
            })
            .await?;
        self.package(&intake.id).await.map(|(view, _)| view)
    }

    /// The shelf the next intake starts with: the last one used here.
    pub async fn last_shelf(&self) -> DeskResult<Option<String>> {
        self.store.setting(crate::packages::LAST_SHELF).await
    }

    /// What a scan is: one of our label codes, or a tracking number and the parcels on
    /// the shelf that have it.
    pub async fn lookup_scan(&self, text: &str) -> DeskResult<ScanLookup> {
        let active = self.active.lock().await;
        let who = signed_in(&active)?;
        self.store.lookup_scan(text, &author(who)).await
    }

    pub async fn label_settings(&self) -> DeskResult<LabelSettings> {
        Ok(self
            .store
            .setting(LABEL_SETTINGS)
            .await?
            .unwrap_or_default())
    }

    pub async fn set_label_settings(&self, settings: LabelSettings) -> DeskResult<LabelSettings> {
        let settings = settings.validate()?;
        self.store
            .set_setting(LABEL_SETTINGS, Some(&settings))
            .await?;
        Ok(settings)
    }

    pub async fn scanner_settings(&self) -> DeskResult<ScannerSettings> {
        Ok(self
            .store
            .setting(SCANNER_SETTINGS)
            .await?
            .unwrap_or_default())
    }

    pub async fn set_scanner_settings(
        &self,
        settings: ScannerSettings,
    ) -> DeskResult<ScannerSettings> {
        let settings = settings.validate()?;
        self.store
            .set_setting(SCANNER_SETTINGS, Some(&settings))
            .await?;
        Ok(settings)
    }

    pub async fn camera_settings(&self) -> DeskResult<CameraSettings> {
        Ok(self
            .store
            .setting(CAMERA_SETTINGS)
            .await?
            .unwrap_or_default())
    }

    pub async fn set_camera_settings(
        &self,
        settings: CameraSettings,
    ) -> DeskResult<CameraSettings> {
        let settings = settings.validate()?;
        self.store
            .set_setting(CAMERA_SETTINGS, Some(&settings))
            .await?;
        Ok(settings)
    }

    /// Starts the camera preview on the source of the camera settings (replacing one
    /// that runs); its messages go to `sink`.
    pub async fn start_camera_preview(
        &self,
        sink: frontdesk_scan::preview::Sink,
    ) -> DeskResult<PreviewStart> {
        let settings = self.camera_settings().await?;
        let camera = std::sync::Arc::clone(&self.camera);
        tokio::task::spawn_blocking(move || camera.start(&settings, sink))
            .await
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("camera preview: {e}")))?
    }

    /// Stops the camera preview and releases the camera; false when none ran.
    pub async fn stop_camera_preview(&self) -> DeskResult<bool> {
        let camera = std::sync::Arc::clone(&self.camera);
        tokio::task::spawn_blocking(move || camera.stop())
            .await
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("camera preview: {e}")))
    }

    /// A JPEG of what the camera preview shows now; `None` when it shows nothing.
    pub fn camera_still(&self) -> DeskResult<Option<Vec<u8>>> {
        self.camera.still_jpeg()
    }

    /// Keeps what the camera preview shows now as a photo of the parcel `package_id`:
    /// the JPEG goes to this desk's blobs and the photo is queued, so every desk of
    /// the building sees it once the server has it.
    pub async fn take_package_photo(&self, package_id: &str) -> DeskResult<PackagePhotoView> {
        let (view, _) = self.package(package_id).await?;
        let Some(jpeg) = self.camera_still()? else {
            return Err(DeskError::new(
                DeskErrorCode::NotFound,
                "the camera shows no picture to take",
            ));
        };
        // Checked with the server's rules for a blob before anything is queued.
        let sha256 = self.blobs.attach(jpeg, "photo.jpg").await?.sha256;
        let id = view.package.id;
        let taken = sha256.clone();
        self.write(Changed::Packages, |store| async move {
            let m = store
                .add_package_photo(&id, &sha256, crate::now_ms())
                .await?;
            Ok((m, ()))
        })
        .await?;
        let photos = self.package_photos(package_id).await?;
        photos
            .into_iter()
            .find(|p| p.photo.sha256 == taken)
            .ok_or_else(|| DeskError::new(DeskErrorCode::Internal, "the photo was not kept"))
    }

    /// A parcel's photos, oldest first: the server's and this desk's queued ones.
    pub async fn package_photos(&self, package_id: &str) -> DeskResult<Vec<PackagePhotoView>> {
        let active = self.active.lock().await;
        let who = signed_in(&active)?;
        self.store.package_photos(package_id, &author(who)).await
    }

    /// A parcel's label as a PNG, as this desk's printer would print it. The times on
    /// it are at `utc_offset_minutes` (the desk's clock, as the window knows it).
    pub async fn label_preview(
        &self,
        package_id: &str,
        utc_offset_minutes: i32,
    ) -> DeskResult<Vec<u8>> {
        let (view, _) = self.package(package_id).await?;
        let settings = self.label_settings().await?;
        labels::preview_png(&labels::label_data(&view, utc_offset_minutes), &settings)
    }

    /// Prints a parcel's label (again) on this desk's printer.
    pub async fn print_label(&self, package_id: &str, utc_offset_minutes: i32) -> DeskResult<()> {
        let (view, _) = self.package(package_id).await?;
        let settings = self.label_settings().await?;
        labels::print(&labels::label_data(&view, utc_offset_minutes), &settings).await
    }

    /// Prints a test label with `settings` (not necessarily saved yet).
    pub async fn test_print(
        &self,
        settings: LabelSettings,
        utc_offset_minutes: i32,
    ) -> DeskResult<()> {
        let settings = settings.validate()?;
        labels::print(
            &labels::test_label(crate::now_ms(), utc_offset_minutes),
            &settings,
        )
        .await
    }

    /// Corrects a parcel on the shelf, or assigns its recipient.
    pub async fn edit_package(&self, edit: PackageEdit) -> DeskResult<()> {
        let (staff_id, building_id, _) = self.who().await?;
        let author = Author {
            staff_id: &staff_id,
            building_id: &building_id,
        };
        self.write(Changed::Packages, |store| async move {
            let m = store.edit_package(edit, &author, crate::now_ms()).await?;
            Ok((m, ()))
        })
        .await
    }

    /// Moves parcels along their lifecycle (a pickup of everything for a unit at once):
    /// all queued or none.
    pub async fn transition_packages(&self, moves: Vec<PackageTransition>) -> DeskResult<()> {
        let (staff_id, building_id, authority) = self.who().await?;
        let author = Author {
            staff_id: &staff_id,
            building_id: &building_id,
        };
        self.write(Changed::Packages, |store| async move {
            let queued = store
                .transition_packages(moves, authority, &author, crate::now_ms())
                .await?;
            let last = queued
                .last()
                .cloned()
                .ok_or_else(|| DeskError::new(DeskErrorCode::InvalidInput, "no package to move"))?;
            Ok((last, ()))
        })
        .await
    }

    /// Who is signed in here: staff id, building id, and what they may override.
    async fn who(&self) -> DeskResult<(String, String, Authority)> {
        let active = self.active.lock().await;
        let who = signed_in(&active)?;
        let authority = Authority::of(who.staff.role);
        Ok((who.staff.id.clone(), who.building.id.clone(), authority))
    }

    /// Runs a local write, then tells the screens (`what` changed, and the outbox) and
    /// wakes the pusher.
    async fn write<'a, F, Fut, T>(&'a self, what: Changed, apply: F) -> DeskResult<T>
    where
        F: FnOnce(&'a Store) -> Fut,
        Fut: std::future::Future<Output = DeskResult<(frontdesk_protocol::Mutation, T)>>,
    {
        let active = self.active.lock().await;
        signed_in(&active)?;
        let (_, done) = apply(&self.store).await?;
        let connection = self.status().connection;
        self.publish(connection).await?;
        let _ = self.handles.changed.send(what);
        let _ = self.handles.changed.send(Changed::Outbox);
        if let Some(a) = active.as_ref() {
            a.engine.nudge();
        }
        Ok(done)
    }

    /// Checks a file to attach to a message (size, and type from its content) and
    /// keeps it here under its SHA-256; nothing is queued, so a refused file costs
    /// nothing. The pusher uploads it before the message that refers to it.
    pub async fn attach_file(&self, bytes: Vec<u8>, name: &str) -> DeskResult<Attachment> {
        self.blobs.attach(bytes, name).await
    }

    /// An attachment's bytes: from this desk when it has them, else fetched from the
    /// server (and kept).
    pub async fn blob(&self, sha256: &str) -> DeskResult<Vec<u8>> {
        if let Some(bytes) = self.blobs.get(sha256).await? {
            return Ok(bytes);
        }
        let (api, token) = {
            let active = self.active.lock().await;
            let active = active
                .as_ref()
                .ok_or_else(|| DeskError::new(DeskErrorCode::NotSignedIn, "sign in first"))?;
            (active.api.clone(), active.token.clone())
        };
        let bytes = api.get_blob(&token, sha256).await?;
        self.blobs.put(sha256, bytes.clone()).await?;
        Ok(bytes)
    }

    /// Queued and rejected writes, oldest first (the Sync panel).
    pub async fn outbox(&self) -> DeskResult<Vec<OutboxItem>> {
        self.store.outbox_items().await
    }

    /// Forgets a rejected write once staff have seen why.
    pub async fn dismiss_rejected(&self, mutation_id: uuid::Uuid) -> DeskResult<()> {
        self.store.dismiss_rejected(mutation_id).await?;
        let connection = self.status().connection;
        self.publish(connection).await?;
        let _ = self.handles.changed.send(Changed::Outbox);
        Ok(())
    }

    pub async fn set_language(&self, language: Option<&str>) -> DeskResult<()> {
        if let Some(lang) = language
            && !LANGUAGES.contains(&lang)
        {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                format!("unsupported language {lang:?}"),
            ));
        }
        self.store.set_setting(LANGUAGE, language.as_ref()).await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A new message from someone else arrived (for a desktop notification).
    pub fn subscribe_message_alerts(&self) -> broadcast::Receiver<MessageAlert> {
        self.alerts.subscribe()
    }

    async fn me(&self) -> DeskResult<String> {
        Ok(self.who().await?.0)
    }

    /// The conversations of the signed-in staff member, latest activity first.
    pub async fn conversations(
        &self,
        query: &ConversationQuery,
    ) -> DeskResult<Vec<ConversationSummary>> {
        self.store.conversations(&self.me().await?, query).await
    }

    pub async fn conversation(&self, id: &str) -> DeskResult<ConversationDetail> {
        self.store.conversation(&self.me().await?, id).await
    }

    /// A page of a thread (see [`Store::messages`]).
    pub async fn messages(
        &self,
        conversation_id: &str,
        before_no: Option<i64>,
        limit: Option<u32>,
    ) -> DeskResult<MessagePage> {
        self.store
            .messages(&self.me().await?, conversation_id, before_no, limit)
            .await
    }

    /// Messages from others not yet read, over all conversations (the badge).
    pub async fn unread_total(&self) -> DeskResult<u32> {
        self.store.unread_total(&self.me().await?).await
    }

    /// Who one may start a conversation with.
    pub async fn staff_directory(&self) -> DeskResult<Vec<StaffOption>> {
        self.store.staff_options(&self.me().await?).await
    }

    /// Opens a conversation (the existing direct one with a single other person, when
    /// there is one) and answers its id.
    pub async fn start_conversation(
        &self,
        participant_ids: Vec<String>,
        title: Option<String>,
    ) -> DeskResult<String> {
        let me = self.me().await?;
        let (mutation, id) = self
            .store
            .start_conversation(&me, &participant_ids, title.as_deref(), crate::now_ms())
            .await?;
        if mutation.is_some() {
            self.after_write(Changed::Messages).await?;
        }
        Ok(id)
    }

    /// Adds people to a group conversation.
    pub async fn add_participants(
        &self,
        conversation_id: &str,
        staff_ids: Vec<String>,
    ) -> DeskResult<()> {
        let me = self.me().await?;
        self.write(Changed::Messages, |store| async move {
            let m = store
                .add_participants(&me, conversation_id, &staff_ids, crate::now_ms())
                .await?;
            Ok((m, ()))
        })
        .await
    }

    pub async fn leave_conversation(&self, conversation_id: &str) -> DeskResult<()> {
        let me = self.me().await?;
        self.write(Changed::Messages, |store| async move {
            let m = store
                .leave_conversation(&me, conversation_id, crate::now_ms())
                .await?;
            Ok((m, ()))
        })
        .await
    }

    /// Sends a message (its attachments uploaded by `attach_file` beforehand): in its
    /// thread at once as `sending`, queued for the server. Answers the message id.
    pub async fn send_message(
        &self,
        conversation_id: &str,
        text: &str,
        attachments: Vec<Attachment>,
    ) -> DeskResult<String> {
        let me = self.me().await?;
        self.write(Changed::Messages, |store| async move {
            store
                .send_message(&me, conversation_id, text, attachments, crate::now_ms())
                .await
        })
        .await
    }

    pub async fn edit_message(&self, id: &str, text: &str) -> DeskResult<()> {
        let me = self.me().await?;
        self.write(Changed::Messages, |store| async move {
            let m = store.edit_message(&me, id, text, crate::now_ms()).await?;
            Ok((m, ()))
        })
        .await
    }

    pub async fn delete_message(&self, id: &str) -> DeskResult<()> {
        let me = self.me().await?;
        self.write(Changed::Messages, |store| async move {
            let m = store.delete_message(&me, id, crate::now_ms()).await?;
            Ok((m, ()))
        })
        .await
    }

    /// Sends a failed message again (a new mutation, at the end of the queue).
    pub async fn retry_message(&self, id: &str) -> DeskResult<()> {
        let me = self.me().await?;
        self.write(Changed::Messages, |store| async move {
            let m = store.retry_message(&me, id, crate::now_ms()).await?;
            Ok((m, ()))
        })
        .await
    }

    /// Drops a failed message here.
    pub async fn discard_failed_message(&self, id: &str) -> DeskResult<()> {
        let me = self.me().await?;
        self.store.discard_failed_message(&me, id).await?;
        self.after_write(Changed::Messages).await
    }

    pub async fn set_reaction(
        &self,
        message_id: &str,
        reaction: ReactionKind,
        active: bool,
    ) -> DeskResult<()> {
        let me = self.me().await?;
        self.write(Changed::Messages, |store| async move {
            let m = store
                .set_reaction(&me, message_id, reaction, active, crate::now_ms())
                .await?;
            Ok((m, ()))
        })
        .await
    }

    /// The thread is on screen: everything in it is read (queued only when that moves
    /// the watermark).
    pub async fn mark_read(&self, conversation_id: &str) -> DeskResult<()> {
        let me = self.me().await?;
        let queued = self
            .store
            .mark_read(&me, conversation_id, crate::now_ms())
            .await?;
        if queued.is_some() {
            self.after_write(Changed::Messages).await?;
        }
        Ok(())
    }

    pub async fn set_important(&self, conversation_id: &str, important: bool) -> DeskResult<()> {
        let me = self.me().await?;
        self.write(Changed::Messages, |store| async move {
            let m = store
                .set_important(&me, conversation_id, important, crate::now_ms())
                .await?;
            Ok((m, ()))
        })
        .await
    }

    /// Keeps the composer's text for this conversation (empty removes it).
    pub async fn save_draft(&self, conversation_id: &str, text: &str) -> DeskResult<()> {
        let me = self.me().await?;
        self.store
            .save_draft(&me, conversation_id, text, crate::now_ms())
            .await
    }

    pub async fn draft(&self, conversation_id: &str) -> DeskResult<Option<String>> {
        self.store.draft(&self.me().await?, conversation_id).await
    }

    /// After a write that went to the store by another path than [`Desk::write`]: tell
    /// the screens and wake the pusher.
    async fn after_write(&self, what: Changed) -> DeskResult<()> {
        let active = self.active.lock().await;
        let connection = self.status().connection;
        self.publish(connection).await?;
        let _ = self.handles.changed.send(what);
        let _ = self.handles.changed.send(Changed::Outbox);
        if let Some(a) = active.as_ref() {
            a.engine.nudge();
        }
        Ok(())
    }
}

/// Follows applied messaging changes: raises the alerts they left, pushes the
/// delivered receipts they queued at once (rather than at the next poll), and fetches
/// the history of conversations the staff member was added to.
async fn follow_messages(
    store: Store,
    handles: SyncHandles,
    active: Weak<Mutex<Option<Active>>>,
    alerts: broadcast::Sender<MessageAlert>,
) {
    let mut changes = handles.changed.subscribe();
    loop {
        match changes.recv().await {
            Ok(Changed::Messages) | Err(RecvError::Lagged(_)) => {}
            Ok(_) => continue,
            Err(RecvError::Closed) => return,
        }
        // One round for a burst: a busy conversation applies a frame every few
        // milliseconds, and each round below takes the write lock to take the alerts.
        while !matches!(
            changes.try_recv(),
            Err(TryRecvError::Empty | TryRecvError::Closed)
        ) {}
        let Some(active) = active.upgrade() else {
            return;
        };
        match store.take_message_alerts().await {
            Ok(taken) => {
                for alert in taken {
                    let _ = alerts.send(alert);
                }
            }
            Err(e) => tracing::error!("message alerts: {e}"),
        }
        // The counts are kept by triggers: cheap to read on every change.
        let queued = store.outbox_counts().await.map_or(0, |c| c.queued);
        let session = {
            let active = active.lock().await;
            active.as_ref().map(|a| {
                if queued > 0 {
                    a.engine.nudge();
                }
                (a.api.clone(), a.token.clone())
            })
        };
        drop(active);
        let Some((api, token)) = session else {
            continue;
        };
        match crate::messaging::follow::backfill(&store, &api, &token).await {
            Ok(true) => {
                let _ = handles.changed.send(Changed::Messages);
            }
            Ok(false) => {}
            Err(e) => tracing::info!("conversation history not fetched yet: {e}"),
        }
    }
}

/// The signed-in staff member as the author of optimistic versions.
fn author(who: &SignedIn) -> Author<'_> {
    Author {
        staff_id: &who.staff.id,
        building_id: &who.building.id,
    }
}

fn signed_in(active: &Option<Active>) -> DeskResult<&SignedIn> {
    active
        .as_ref()
        .map(|a| &a.signed_in)
        .ok_or_else(|| DeskError::new(DeskErrorCode::NotSignedIn, "sign in first"))
}
