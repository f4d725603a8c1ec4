import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { OutboxItem } from "@/bindings/OutboxItem";
import { bootstrap, outboxItem, signedIn, status } from "@/test/fixtures";
import { renderSignedInApp } from "@/test/render";
import { tauriMock } from "@/test/tauri";

const PENDING_SAVE = outboxItem(
  "m-1",
  { kind: "instruction_save", payload: { id: "ins-1", target: { type: "unit", id: "unit-804" }, text: "Perishables:\ncall first" } },
  { attempts: 3, last_error: "connection refused" },
);
const PENDING_DELETE = outboxItem("m-2", { kind: "instruction_delete", payload: { id: "ins-7" } });
const REFUSED = outboxItem(
  "m-3",
  { kind: "instruction_save", payload: { id: "ins-2", target: { type: "resident", id: "r-9" }, text: "Keep keys" } },
  { state: "rejected", reject_code: "not_found", reject_reason: "resident r-9 does not exist" },
);

/** A signed-in app whose list_outbox answers `items` (change the array to change the answer). */
async function renderWithOutbox(items: OutboxItem[], boot = bootstrap()) {
  const r = await renderSignedInApp(boot);
  tauriMock.on("list_outbox", () => items);
  return r;
}

const panel = () => screen.getByTestId("sync-panel");
const outboxRows = () => within(panel()).queryAllByTestId("outbox-item");

describe("sync panel", () => {
  it("opens with Alt+S, says everything is synced, and Escape closes it back where focus was", async () => {
    const { user } = await renderWithOutbox([]);
    await waitFor(() => expect(screen.getAllByTestId("resident-hit")).toHaveLength(3));
    expect(screen.getByTestId("resident-search")).toHaveFocus();
    await user.keyboard("{Alt>}s{/Alt}");
    expect(panel()).toHaveAttribute("role", "dialog");
    expect(within(panel()).getByRole("heading", { name: "Sync" })).toHaveFocus();
    expect(await within(panel()).findByTestId("sync-empty")).toHaveTextContent("Everything is synced");
    expect(tauriMock.callsOf("list_outbox")).toHaveLength(1);
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("sync-panel")).not.toBeInTheDocument();
    expect(screen.getByTestId("resident-search")).toHaveFocus();
  });

  it("lists refused and queued writes in words, with reasons, attempts and the last error", async () => {
    const { user } = await renderWithOutbox([PENDING_SAVE, PENDING_DELETE, REFUSED]);
    await user.click(screen.getByTestId("status-queued"));
    await waitFor(() => expect(outboxRows()).toHaveLength(3));
    const [refused, save, del] = outboxRows();

    // refused first, with the reason prominent and a Dismiss button
    expect(refused).toHaveAttribute("data-state", "rejected");
    expect(refused).toHaveTextContent("Save instruction on resident r-9: Keep keys");
    expect(refused).toHaveTextContent("Refused");
    expect(within(refused!).getByTestId("outbox-reason")).toHaveTextContent(
      "What this change refers to no longer exists.Why: resident r-9 does not exist",
    );
    expect(within(refused!).getByTestId("outbox-dismiss")).toBeInTheDocument();

    expect(save).toHaveAttribute("data-state", "pending");
    expect(within(save!).getByTestId("outbox-description").textContent).toBe(
      "Save instruction on unit unit-804: Perishables: call first",
    );
    expect(save).toHaveTextContent("Waiting");
    expect(save).toHaveTextContent(/Made Mar 10, 2025/);
    expect(within(save!).getByTestId("outbox-attempts")).toHaveTextContent("Tried 3 times · Last error: connection refused");
    expect(within(save!).queryByTestId("outbox-dismiss")).not.toBeInTheDocument();

    expect(del).toHaveTextContent("Delete instruction ins-7");
    expect(within(del!).getByTestId("outbox-attempts")).toHaveTextContent("Not tried yet");
  });

  it("says who made a change queued by someone else at this desk, and that it waits for them", async () => {
    const theirs = outboxItem("m-9", { kind: "instruction_delete", payload: { id: "ins-9" } }, {
      queued_by: "0190a0b0-0000-7000-8000-0000000000bb",
      queued_by_name: "Paul Gagnon",
    });
    const mine = outboxItem("m-10", { kind: "instruction_delete", payload: { id: "ins-10" } }, {
      queued_by: signedIn.staff.id,
      queued_by_name: signedIn.staff.name,
    });
    const { user } = await renderWithOutbox([theirs, mine, PENDING_DELETE]);
    await user.click(screen.getByTestId("status-queued"));
    await waitFor(() => expect(outboxRows()).toHaveLength(3));
    const [other, own, legacy] = outboxRows();
    expect(within(other!).getByTestId("outbox-queued-by")).toHaveTextContent(
      "Made by Paul Gagnon: sent when they sign in at this desk again",
    );
    expect(within(own!).queryByTestId("outbox-queued-by")).not.toBeInTheDocument();
    expect(within(legacy!).queryByTestId("outbox-queued-by")).not.toBeInTheDocument();
  });

  it("dismisses a refused write and shows the list again", async () => {
    const items = [PENDING_SAVE, REFUSED];
    const { user } = await renderWithOutbox(items);
    await user.keyboard("{Alt>}s{/Alt}");
    await waitFor(() => expect(outboxRows()).toHaveLength(2));
    items.splice(1, 1);
    await user.click(within(panel()).getByTestId("outbox-dismiss"));
    expect(tauriMock.callsOf("dismiss_rejected")).toEqual([{ mutationId: "m-3" }]);
    await waitFor(() => expect(outboxRows()).toHaveLength(1));
    expect(outboxRows()[0]).toHaveAttribute("data-state", "pending");
    expect(panel()).toBeInTheDocument();
  });

  it("shows a failed dismiss translated", async () => {
    const { user } = await renderWithOutbox([REFUSED]);
    await user.keyboard("{Alt>}s{/Alt}");
    await waitFor(() => expect(outboxRows()).toHaveLength(1));
    tauriMock.fail("dismiss_rejected", "storage", "database is locked");
    await user.click(within(panel()).getByTestId("outbox-dismiss"));
    const alert = await within(panel()).findByTestId("sync-dismiss-error");
    expect(alert).toHaveTextContent("The refused change could not be dismissed.");
    expect(alert).toHaveTextContent("Frontdesk couldn't read or write its data on this computer.");
    expect(outboxRows()).toHaveLength(1);
  });

  it("refreshes on outbox-changed and on sync-status", async () => {
    const items: OutboxItem[] = [];
    const { user } = await renderWithOutbox(items);
    await user.keyboard("{Alt>}s{/Alt}");
    await within(panel()).findByTestId("sync-empty");
    items.push(PENDING_SAVE);
    tauriMock.emit("outbox-changed", null);
    await waitFor(() => expect(outboxRows()).toHaveLength(1));
    items.push(REFUSED);
    tauriMock.emit("sync-status", status({ state: "online" }, { queued: 1, rejected: 1 }));
    await waitFor(() => expect(outboxRows()).toHaveLength(2));
    items.length = 0;
    tauriMock.emit("outbox-changed", null);
    expect(await within(panel()).findByTestId("sync-empty")).toHaveTextContent("Everything is synced");
  });

  it("shows a failed list translated", async () => {
    const { user } = await renderSignedInApp();
    tauriMock.fail("list_outbox", "not_signed_in");
    await user.keyboard("{Alt>}s{/Alt}");
    expect(await within(panel()).findByTestId("sync-panel-error")).toHaveTextContent(
      "The list of changes could not be loaded.You're signed out. Sign in to continue.",
    );
  });

  it("opens from Settings", async () => {
    const { user } = await renderWithOutbox([PENDING_SAVE], bootstrap({ status: status({ state: "online" }, { queued: 1 }) }));
    await user.keyboard("{Alt>}7{/Alt}");
    expect(screen.getByTestId("settings-sync-summary")).toHaveTextContent("1 change is waiting or was refused.");
    await user.click(screen.getByTestId("settings-open-sync"));
    await waitFor(() => expect(outboxRows()).toHaveLength(1));
    await user.click(within(panel()).getByTestId("sync-panel-close"));
    expect(screen.queryByTestId("sync-panel")).not.toBeInTheDocument();
    expect(screen.getByTestId("settings-open-sync")).toHaveFocus();
  });

  it("keeps keys inside: Escape in the panel does not leave the resident page, Alt+digits do not navigate", async () => {
    const { user } = await renderWithOutbox([]);
    await waitFor(() => expect(screen.getAllByTestId("resident-hit")).toHaveLength(3));
    await user.keyboard("{Enter}");
    await screen.findByTestId("resident-name");
    await user.keyboard("{Alt>}s{/Alt}");
    await within(panel()).findByTestId("sync-empty");
    await user.keyboard("{Alt>}2{/Alt}");
    expect(screen.getByTestId("nav-residents")).toHaveAttribute("aria-current", "page");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("sync-panel")).not.toBeInTheDocument();
    expect(screen.getByTestId("resident-detail")).toBeInTheDocument();
    // Alt+S toggles: open, then Alt+S again closes
    await user.keyboard("{Alt>}s{/Alt}");
    expect(panel()).toBeInTheDocument();
    await user.keyboard("{Alt>}s{/Alt}");
    expect(screen.queryByTestId("sync-panel")).not.toBeInTheDocument();
  });

  it("says when the desk reloaded from the server, and retries a refused reload from the keyboard", async () => {
    const reloadedAt = new Date("2025-03-10T14:05:00").getTime();
    const stopped = status({ state: "resync_failed", since_ms: reloadedAt }, { last_full_resync_ms: reloadedAt, queued: 2 });
    const { user } = await renderWithOutbox([PENDING_SAVE, PENDING_DELETE], bootstrap({ status: stopped }));
    await waitFor(() => expect(screen.getAllByTestId("resident-hit")).toHaveLength(3));
    expect(screen.getByTestId("status-connection")).toHaveAttribute("data-state", "resync_failed");
    await user.keyboard("{Alt>}s{/Alt}");
    const failed = within(panel()).getByTestId("sync-resync-failed");
    expect(failed).toHaveTextContent("Syncing has stopped");
    expect(failed).toHaveTextContent("Changes made here are kept");
    expect(within(panel()).getByTestId("sync-reloaded")).toHaveTextContent(/^Reloaded from the server Mar 10, 2025/);
    await waitFor(() => expect(outboxRows()).toHaveLength(2));

    tauriMock.on("sync_now", status({ state: "online" }, { last_full_resync_ms: reloadedAt }));
    within(panel()).getByTestId("sync-resync-retry").focus();
    await user.keyboard("{Enter}");
    expect(tauriMock.callsOf("sync_now")).toHaveLength(1);
    await waitFor(() => expect(within(panel()).queryByTestId("sync-resync-failed")).not.toBeInTheDocument());
    expect(within(panel()).getByTestId("sync-reloaded")).toBeInTheDocument();
    expect(screen.getByTestId("status-connection")).toHaveAttribute("data-state", "online");
  });

  it("speaks Québec French", async () => {
    const { user } = await renderWithOutbox([], bootstrap({ language: "fr", status: status({ state: "online" }, { rejected: 2 }) }));
    expect(screen.getByTestId("status-rejected")).toHaveTextContent("2 refusées");
    await user.click(screen.getByTestId("status-rejected"));
    expect(await within(panel()).findByTestId("sync-empty")).toHaveTextContent("Tout est synchronisé");
    expect(within(panel()).queryByTestId("sync-reloaded")).not.toBeInTheDocument();
    tauriMock.emit("sync-status", status({ state: "resync_failed", since_ms: Date.now() }, { last_full_resync_ms: Date.now() }));
    expect(await within(panel()).findByTestId("sync-reloaded")).toHaveTextContent("Rechargé depuis le serveur");
    expect(within(panel()).getByTestId("sync-resync-failed")).toHaveTextContent("La synchronisation est arrêtée");
    expect(screen.getByTestId("status-connection")).toHaveTextContent("Synchro arrêtée");
  });
});

describe("status bar counts", () => {
  it("shows the refused count only when there are some, and it opens the panel", async () => {
    const { user } = await renderWithOutbox([REFUSED], bootstrap({ status: status({ state: "online" }, { queued: 1 }) }));
    expect(screen.getByTestId("status-queued")).toHaveTextContent("1 change waiting to be sent");
    expect(screen.queryByTestId("status-rejected")).not.toBeInTheDocument();

    tauriMock.emit("sync-status", status({ state: "online" }, { queued: 1, rejected: 2 }));
    const refused = screen.getByTestId("status-rejected");
    expect(refused).toHaveTextContent("2 refused");
    expect(refused).toHaveAttribute("data-count", "2");
    expect(refused).toHaveClass("text-destructive");
    await user.click(refused);
    await waitFor(() => expect(outboxRows()).toHaveLength(1));
    expect(outboxRows()[0]).toHaveAttribute("data-state", "rejected");
  });

  it("opens the panel from the queued count with the keyboard", async () => {
    const { user } = await renderWithOutbox([PENDING_SAVE]);
    // the residents list focuses its search once loaded: wait, or it takes the focus back
    await waitFor(() => expect(screen.getAllByTestId("resident-hit")).toHaveLength(3));
    screen.getByTestId("status-queued").focus();
    expect(screen.getByTestId("status-queued")).toHaveFocus();
    expect(screen.getByTestId("status-queued")).toHaveAttribute("aria-keyshortcuts", "Alt+S");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(outboxRows()).toHaveLength(1));
  });
});

describe("describeMutation", () => {
  it("says what a queued parcel write does, in both languages", async () => {
    const { describeMutation } = await import("./SyncPanel");
    const i18n = (await import("@/i18n")).default;
    const pickup = {
      kind: "package_transition" as const,
      payload: { id: "p-1", event_id: "e-1", to: "picked_up" as const, note: null, collected_by: "Ada", override_reason: null, signature: null },
    };
    await i18n.changeLanguage("en");
    expect(describeMutation(i18n.t, pickup)).toBe("Mark parcel p-1 picked up");
    await i18n.changeLanguage("fr");
    expect(describeMutation(i18n.t, pickup)).toBe("Colis p-1 : remis");
    const photo = { kind: "package_photo_add" as const, payload: { id: "p-1", sha256: "a".repeat(64) } };
    expect(describeMutation(i18n.t, photo)).toBe("Photo du colis p-1");
    await i18n.changeLanguage("en");
    expect(describeMutation(i18n.t, photo)).toBe("Photo of parcel p-1");
  });
});
