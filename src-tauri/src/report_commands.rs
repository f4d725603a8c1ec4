//! The commands of the Reports screen: a package report for a period, and one of its
//! tables saved as a CSV file. Each forwards to [`Desk`]; the rules are desk-core's.

use std::path::PathBuf;

use frontdesk_desk_core::reports::{PackageReport, ReportRequest, ReportTable};
use frontdesk_desk_core::{Desk, DeskError, DeskErrorCode, DeskResult};
use tauri::{AppHandle, Manager, State};

#[tauri::command]
pub async fn package_report(
    desk: State<'_, Desk>,
    request: ReportRequest,
) -> DeskResult<PackageReport> {
    desk.package_report(&request).await
}

/// Saves the table in the user's Downloads folder and answers the file's path, which
/// the screen shows. The app has no file dialog plugin; a known folder and a
/// timestamped name that never overwrites keep an export one keypress.
#[tauri::command]
pub async fn export_report_csv(
    app: AppHandle,
    desk: State<'_, Desk>,
    request: ReportRequest,
    table: ReportTable,
) -> DeskResult<String> {
    let dir = downloads(&app)?;
    let path = desk.export_report_csv(&request, table, &dir).await?;
    Ok(path.display().to_string())
}

/// The OS Downloads folder; on a Linux desk without XDG user folders configured,
/// `~/Downloads`.
fn downloads(app: &AppHandle) -> DeskResult<PathBuf> {
    let path = app.path();
    path.download_dir()
        .or_else(|_| path.home_dir().map(|home| home.join("Downloads")))
        .map_err(|e| {
            DeskError::new(
                DeskErrorCode::Storage,
                format!("no Downloads folder on this computer: {e}"),
            )
        })
}
