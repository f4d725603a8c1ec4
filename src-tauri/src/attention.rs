//! Drawing staff's attention to unread messages outside the window: the tray icon's
//! unread count and the window's badge. The count itself comes from the UI, which
//! already follows the desk's unread total; the OS notifications are sent from the
//! UI through the notification plugin.
//!
//! A desk PC may have no tray at all (no status notifier on the desktop, no display
//! server under test): then the tray is missing and logged, and nothing else changes.

use std::panic::AssertUnwindSafe;

use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

const TRAY_ID: &str = "frontdesk";
const MAIN_WINDOW: &str = "main";

/// Creates the tray icon. Never fails the app: a desktop without a tray is logged.
pub fn setup(app: &AppHandle) {
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip(app.package_info().name.as_str())
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                focus_main_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    // On Linux the tray library is loaded at first use, and its absence is a panic, not
    // an error: caught here, so that a desk PC without it still opens.
    let built = std::panic::catch_unwind(AssertUnwindSafe(|| builder.build(app)));
    match built {
        Ok(Ok(_)) => tracing::debug!("tray icon shown"),
        Ok(Err(e)) => tracing::warn!(
            "no tray icon on this desktop (the unread count shows in the window only): {e}"
        ),
        Err(_) => tracing::warn!(
            "no tray icon on this desktop: its tray library is missing (the unread count shows in the window only)"
        ),
    }
}

fn focus_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        if let Err(e) = window.set_focus() {
            tracing::debug!("focusing the window from the tray: {e}");
        }
    }
}

/// The unread total changed: show it on the tray icon and the window's badge, where the
/// platform has them (Linux trays show a title, not a tooltip; some docks have no badge).
#[tauri::command]
pub fn set_unread_count(app: AppHandle, count: u32) {
    let name = app.package_info().name.clone();
    let label = if count == 0 {
        name
    } else {
        format!("{name} ({count})")
    };
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        if let Err(e) = tray.set_tooltip(Some(&label)) {
            tracing::debug!("tray tooltip: {e}");
        }
        let title = (count > 0).then(|| count.to_string());
        if let Err(e) = tray.set_title(title.as_deref()) {
            tracing::debug!("tray title: {e}");
        }
    }
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let badge = (count > 0).then_some(i64::from(count));
        if let Err(e) = window.set_badge_count(badge) {
            tracing::debug!("window badge: {e}");
        }
    }
}
