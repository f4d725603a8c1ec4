//! The desk app: a thin Tauri shell. It opens [`Desk`], exposes its methods as
//! commands, and forwards its status and change notifications as window events.
//! No business rule lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod attention;
mod commands;
mod events;
mod launch;
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
            attention::set_unread_count,
            message_limits::message_limits,
        ])
        .run(tauri::generate_context!())?;
    Ok(())
}
