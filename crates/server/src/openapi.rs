//! The OpenAPI document, served at `GET /v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Frontdesk building server",
        description = "Staff sign-in, the building directory and its change log, the desks' writes, and staff messaging, for the front-desk app."
    ),
    paths(
        crate::health::healthz,
        crate::auth::routes::login,
        crate::auth::routes::logout,
        crate::auth::routes::me,
        crate::sync_routes::pull,
        crate::sync_routes::push,
        crate::ws::upgrade,
        crate::messaging::routes::history,
        crate::blobs::put_blob,
        crate::blobs::head_blob,
        crate::blobs::get_blob,
        openapi_json,
    ),
    components(schemas(
        frontdesk_protocol::ApiError,
        frontdesk_protocol::ErrorCode,
        frontdesk_protocol::LoginRequest,
        frontdesk_protocol::Session,
        frontdesk_protocol::Me,
        frontdesk_protocol::Building,
        frontdesk_protocol::Unit,
        frontdesk_protocol::Resident,
        frontdesk_protocol::StaffMember,
        frontdesk_protocol::StaffRole,
        frontdesk_protocol::Change,
        frontdesk_protocol::ChangeBody,
        frontdesk_protocol::PullResponse,
        frontdesk_protocol::PackageNotice,
        frontdesk_protocol::PackagePhoto,
        frontdesk_protocol::PackagePhotoAdd,
        frontdesk_protocol::NoticeKind,
        frontdesk_protocol::NoticeState,
        frontdesk_protocol::Instruction,
        frontdesk_protocol::InstructionTarget,
        frontdesk_protocol::Mutation,
        frontdesk_protocol::MutationBody,
        frontdesk_protocol::PushRequest,
        frontdesk_protocol::PushResponse,
        frontdesk_protocol::MutationResult,
        frontdesk_protocol::MutationOutcome,
        frontdesk_protocol::RejectCode,
        frontdesk_protocol::ServerFrame,
        frontdesk_protocol::ConversationHistory,
        frontdesk_protocol::Conversation,
        frontdesk_protocol::Message,
        frontdesk_protocol::Reaction,
        frontdesk_protocol::Receipt,
        frontdesk_protocol::ConversationPref,
        frontdesk_protocol::BlobInfo,
        crate::health::Health,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Staff sign-in"),
        (name = "sync", description = "The building change log and the desks' writes"),
        (name = "messaging", description = "Staff conversations (their writes are sync mutations)"),
        (name = "blobs", description = "Attachment content, named by its SHA-256"),
        (name = "meta", description = "Health and API description"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
