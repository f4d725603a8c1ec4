//! The desk app: a thin Tauri shell. It opens [`Desk`], exposes its methods as
//! commands, and forwards its status and change notifications as window events.
//! No business rule lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod attention;
mod camera_commands;
mod commands;
mod events;
mod launch;
mod message_commands;
mod message_limits;
mod package_commands;
mod report_commands;

use clap::Parser;
use frontdesk_desk_core::Desk;
use tauri::Manager;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,frontdesk=debug,frontdesk_desk_core=debug".into()),
        )
        .init();
    let args = launch::Args::parse();

    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            let data_dir = match &args.data_dir {
                Some(dir) => dir.clone(),
                None => app.path().app_data_dir()?,
            };
            let desk: Desk = tauri::async_runtime::block_on(launch::open_desk(&args, data_dir))?;
            app.manage(desk);
            events::forward(app.handle().clone());
            attention::setup(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::bootstrap,
            commands::sign_in,
            commands::sign_out,
            commands::sync_status,
            commands::sync_now,
            commands::search_residents,
            commands::get_resident,
            commands::set_language,
            commands::list_instructions,
            commands::save_instruction,
            commands::delete_instruction,
            commands::list_outbox,
            commands::dismiss_rejected,
            package_commands::list_packages,
            package_commands::get_package,
            package_commands::intake_package,
            package_commands::edit_package,
            package_commands::transition_packages,
            package_commands::lookup_scan,
            package_commands::last_shelf,
            package_commands::list_carriers,
            package_commands::scanner_settings,
            package_commands::set_scanner_settings,
            package_commands::label_settings,
            package_commands::set_label_settings,
            package_commands::label_preview,
            package_commands::print_label,
            package_commands::test_print,
            report_commands::package_report,
            report_commands::export_report_csv,
            message_commands::list_conversations,
            message_commands::get_conversation,
            message_commands::list_messages,
            message_commands::start_conversation,
            message_commands::add_participants,
            message_commands::leave_conversation,
            message_commands::send_message,
            message_commands::edit_message,
            message_commands::delete_message,
            message_commands::retry_message,
            message_commands::discard_failed_message,
            message_commands::set_reaction,
            message_commands::mark_conversation_read,
            message_commands::set_conversation_important,
            message_commands::save_draft,
            message_commands::get_draft,
            message_commands::unread_total,
            message_commands::staff_directory,
            message_commands::attach_file,
            message_commands::get_blob,
            camera_commands::list_cameras,
            camera_commands::camera_settings,
            camera_commands::set_camera_settings,
            camera_commands::start_camera_preview,
            camera_commands::stop_camera_preview,
            camera_commands::camera_still,
            camera_commands::take_package_photo,
            camera_commands::package_photos,
            attention::set_unread_count,
            message_limits::message_limits,
        ])
        .run(tauri::generate_context!())?;
    Ok(())
}
