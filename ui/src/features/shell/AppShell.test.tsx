import { act, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { bootstrap, signedIn, status } from "@/test/fixtures";
import userEvent from "@testing-library/user-event";
import { App } from "@/App";
import { mockDesk, renderSignedInApp } from "@/test/render";
import { tauriMock } from "@/test/tauri";
import { StatusBar } from "./StatusBar";

describe("main frame", () => {
  it("opens Residents after bootstrap, with the building and the staff member", async () => {
    await renderSignedInApp();
    expect(screen.getByTestId("nav-residents")).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("heading", { name: "Residents" })).toBeInTheDocument();
    expect(screen.getByTestId("building-name")).toHaveTextContent("Lofts des Arts");
    expect(screen.getByTestId("staff-name")).toHaveTextContent("Marie Tremblay");
    expect(screen.getByText("Doorman")).toBeInTheDocument();
    // every section has its button with the Alt+digit hint
    for (const [id, n] of [["intake", 1], ["pickup", 2], ["packages", 3], ["messages", 4], ["residents", 5], ["reports", 6], ["settings", 7]] as const) {
      const button = screen.getByTestId(`nav-${id}`);
      expect(button).toHaveTextContent(`Alt+${n}`);
      expect(button).toHaveAttribute("aria-keyshortcuts", `Alt+${n}`);
    }
  });

  it("navigates by click and shows an honest empty state for later sections", async () => {
    const { user } = await renderSignedInApp();
    await user.click(screen.getByTestId("nav-intake"));
    expect(screen.getByTestId("nav-intake")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-residents")).not.toHaveAttribute("aria-current");
    expect(screen.getByTestId("intake-screen")).toBeInTheDocument();
    expect(screen.getByLabelText("Tracking number")).toHaveFocus();
    expect(screen.queryByTestId("resident-search")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("nav-messages"));
    expect(screen.getByTestId("messages-screen")).toBeInTheDocument();
    expect(await screen.findByTestId("conversation-list-empty")).toHaveTextContent("No conversations yet");
    expect(screen.getByTestId("conversation-search")).toHaveFocus();

    await user.click(screen.getByTestId("nav-reports"));
    expect(screen.getByRole("heading", { name: "Reports", level: 1 })).toHaveFocus();
    expect(screen.queryByTestId("placeholder-reports")).not.toBeInTheDocument();
  });

  it("navigates with Alt+1 … Alt+7 from anywhere", async () => {
    const { user } = await renderSignedInApp();
    await user.keyboard("{Alt>}2{/Alt}");
    expect(screen.getByTestId("nav-pickup")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("pickup-screen")).toBeInTheDocument();
    await user.keyboard("{Alt>}4{/Alt}");
    expect(screen.getByTestId("messages-screen")).toBeInTheDocument();
    await user.keyboard("{Alt>}7{/Alt}");
    expect(screen.getByRole("heading", { name: "Settings" })).toBeInTheDocument();
    await user.keyboard("{Alt>}5{/Alt}");
    expect(screen.getByTestId("resident-search")).toHaveFocus();
    // Alt+8 is nothing
    await user.keyboard("{Alt>}8{/Alt}");
    expect(screen.getByTestId("nav-residents")).toHaveAttribute("aria-current", "page");
  });

  it("follows sync-status events live", async () => {
    await renderSignedInApp();
    expect(screen.getByTestId("status-connection")).toHaveAttribute("data-state", "online");
    expect(screen.getByTestId("status-connection")).toHaveTextContent("Online");
    tauriMock.emit("sync-status", status({ state: "offline", since_ms: Date.now(), next_attempt_at_ms: Date.now() + 10_000 }, { queued: 4 }));
    expect(screen.getByTestId("status-connection")).toHaveAttribute("data-state", "offline");
    expect(screen.getByTestId("status-connection")).toHaveTextContent(/Offline since .* next attempt in 10 s$/);
    expect(screen.getByTestId("status-queued")).toHaveTextContent("4 changes waiting to be sent");
  });

  it("offers to sign in again when the session expired, and can go back", async () => {
    const boot = bootstrap({ status: status({ state: "session_expired" }) });
    const { user } = await renderSignedInApp(boot);
    expect(screen.getByTestId("status-connection")).toHaveAttribute("data-state", "session_expired");
    expect(screen.getByTestId("status-connection")).toHaveTextContent("Session expired");
    await user.click(screen.getByRole("button", { name: "Sign in again" }));
    expect(screen.getByText(/Your session expired/)).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveValue(signedIn.staff.email);
    expect(screen.getByLabelText("Server address")).toHaveValue("https://desk.loftsdesarts.ca");
    expect(screen.getByLabelText("Password")).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Back to Frontdesk" }));
    expect(screen.getByTestId("app-ready")).toBeInTheDocument();
  });

  it("shows a translated error and retries when bootstrap fails", async () => {
    mockDesk();
    tauriMock.fail("bootstrap", "storage", "disk full");
    const user = userEvent.setup();
    render(<App />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Frontdesk could not start");
    expect(alert).toHaveTextContent("Frontdesk couldn't read or write its data on this computer.");
    expect(alert).toHaveTextContent("Details: disk full");
    tauriMock.on("bootstrap", bootstrap());
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("app-ready")).toBeInTheDocument();
    expect(tauriMock.callsOf("bootstrap")).toHaveLength(2);
  });

  it("runs sync_now from the status bar and shows a failure translated", async () => {
    const { user } = await renderSignedInApp();
    tauriMock.on("sync_now", status({ state: "online" }, { queued: 1 }));
    await user.click(screen.getByTestId("sync-now"));
    expect(tauriMock.callsOf("sync_now")).toHaveLength(1);
    expect(await screen.findByText("1 change waiting to be sent")).toBeInTheDocument();
    tauriMock.fail("sync_now", "network");
    await user.click(screen.getByTestId("sync-now"));
    expect(await screen.findByTestId("status-sync-error")).toHaveTextContent("Sync failed: Can't reach the server.");
  });
});

describe("status bar", () => {
  const T0 = new Date("2025-03-10T14:05:00").getTime();
  const noop = () => {};

  function renderBar(s: Parameters<typeof StatusBar>[0]["status"]) {
    return render(<StatusBar status={s} onSignInAgain={noop} onStatus={noop} />);
  }

  it("counts down to the next reconnect attempt", () => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    renderBar(status({ state: "reconnecting", attempt: 2, next_attempt_at_ms: T0 + 5_000 }, { last_sync_ms: T0 }));
    const conn = screen.getByTestId("status-connection");
    expect(conn).toHaveAttribute("data-state", "reconnecting");
    expect(conn).toHaveTextContent("Reconnecting — next attempt in 5 s");
    act(() => vi.advanceTimersByTime(2_000));
    expect(conn).toHaveTextContent("Reconnecting — next attempt in 3 s");
    act(() => vi.advanceTimersByTime(3_000));
    expect(conn).toHaveTextContent("Reconnecting…");
  });

  it("shows offline since HH:MM with a countdown", () => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    renderBar(status({ state: "offline", since_ms: T0 - 60_000, next_attempt_at_ms: T0 + 30_000 }));
    const conn = screen.getByTestId("status-connection");
    expect(conn).toHaveAttribute("data-state", "offline");
    expect(conn).toHaveTextContent(/^Offline since 0?2:04\s?p\.?m\.? — next attempt in 30 s$/i);
    act(() => vi.advanceTimersByTime(10_000));
    expect(conn).toHaveTextContent(/next attempt in 20 s$/);
  });

  it("shows the last sync time, updating as time passes, and the queued count", () => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    renderBar(status({ state: "online" }, { last_sync_ms: T0 - 10_000, queued: 0 }));
    expect(screen.getByTestId("status-last-sync")).toHaveTextContent("Last sync just now");
    expect(screen.getByTestId("status-queued")).toHaveTextContent("No changes waiting");
    act(() => vi.advanceTimersByTime(110_000));
    expect(screen.getByTestId("status-last-sync")).toHaveTextContent("Last sync 2 minutes ago");
    act(() => vi.advanceTimersByTime(2 * 3_600_000));
    expect(screen.getByTestId("status-last-sync")).toHaveTextContent("Last sync 2 hours ago");
  });

  it("renders signed out, never synced, and session expired with its button", async () => {
    const onSignInAgain = vi.fn();
    const { rerender } = render(
      <StatusBar status={status({ state: "signed_out" }, { last_sync_ms: null })} onSignInAgain={onSignInAgain} onStatus={noop} />,
    );
    expect(screen.getByTestId("status-connection")).toHaveAttribute("data-state", "signed_out");
    expect(screen.getByTestId("status-connection")).toHaveTextContent("Signed out");
    expect(screen.getByTestId("status-last-sync")).toHaveTextContent("Not synced yet");
    expect(screen.queryByTestId("sync-now")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Sign in again" })).not.toBeInTheDocument();

    rerender(<StatusBar status={status({ state: "session_expired" }, { queued: 2 })} onSignInAgain={onSignInAgain} onStatus={noop} />);
    expect(screen.getByTestId("status-connection")).toHaveTextContent("Session expired");
    expect(screen.getByTestId("status-queued")).toHaveTextContent("2 changes waiting to be sent");
    act(() => screen.getByRole("button", { name: "Sign in again" }).click());
    expect(onSignInAgain).toHaveBeenCalledTimes(1);
  });

  it("says syncing stopped after a refused reload, and still offers Sync now", () => {
    renderBar(status({ state: "resync_failed", since_ms: T0 }, { last_full_resync_ms: T0, queued: 3 }));
    const conn = screen.getByTestId("status-connection");
    expect(conn).toHaveAttribute("data-state", "resync_failed");
    expect(conn).toHaveTextContent("Sync stopped — press Sync now");
    expect(conn).toHaveClass("text-destructive");
    expect(screen.getByTestId("sync-now")).toBeEnabled();
    expect(screen.getByTestId("status-queued")).toHaveTextContent("3 changes waiting to be sent");
  });
});
