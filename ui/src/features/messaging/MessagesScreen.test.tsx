import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { messageLimits, status } from "@/test/fixtures";
import { LUC, ME, SOPHIE, conversation, detail, message, participants } from "@/test/messaging";
import { renderSignedInApp } from "@/test/render";
import { tauriMock } from "@/test/tauri";
import { resetLimitsCache } from "./limits";
import { MessagesScreen } from "./MessagesScreen";
import type { ConversationSummary } from "@/bindings/ConversationSummary";
import type { MessagePage } from "@/bindings/MessagePage";
import type { MessageView } from "@/bindings/MessageView";

const direct = conversation("c-1", {
  unread: 2,
  last_message: {
    message_id: "m-x",
    sender_id: LUC,
    sender_name: "Luc Gagnon",
    own: false,
    kind: "text",
    text: "Parcel for 804 is fragile",
    deleted: false,
    attachments: 0,
    at_ms: Date.now() - 60_000,
    state: null,
  },
});
const group = conversation("c-2", {
  kind: "group",
  title: "Night shift",
  participants,
  important: true,
  last_activity_ms: Date.now() - 3_600_000,
});

let page: MessagePage;

beforeEach(() => {
  resetLimitsCache();
  vi.spyOn(document, "hasFocus").mockReturnValue(true);
  page = { messages: [message({ conversation_id: "c-1", text: "hello" })], has_older: false };
  tauriMock.on("list_conversations", [direct, group]);
  tauriMock.on("get_conversation", (a: Record<string, unknown>) =>
    detail(a.id === "c-2" ? group : direct, { read_through: 0, draft: a.id === "c-1" ? "unfinished" : null }),
  );
  tauriMock.on("list_messages", () => page);
  tauriMock.on("message_limits", messageLimits);
  tauriMock.on("mark_conversation_read", null);
  tauriMock.on("save_draft", null);
  tauriMock.on("set_conversation_important", null);
  tauriMock.on("staff_directory", [
    { id: LUC, name: "Luc Gagnon", email: "luc@loftsdesarts.ca" },
    { id: SOPHIE, name: "Sophie Roy", email: "sophie@loftsdesarts.ca" },
  ]);
});

afterEach(() => vi.restoreAllMocks());

function renderScreen(connection = status()) {
  const user = userEvent.setup();
  const view = render(<MessagesScreen meId={ME} status={connection} />);
  return { user, ...view };
}

describe("conversation list", () => {
  it("lists conversations with their unread count, preview and importance", async () => {
    renderScreen();
    const rows = await screen.findAllByTestId("conversation-row");
    expect(rows.map((r) => r.getAttribute("data-conversation-id"))).toEqual(["c-1", "c-2"]);
    expect(within(rows[0]!).getByText("Luc Gagnon")).toBeInTheDocument();
    expect(within(rows[0]!).getByTestId("conversation-unread")).toHaveTextContent("2");
    expect(within(rows[0]!).getByTestId("conversation-preview")).toHaveTextContent("Parcel for 804 is fragile");
    expect(within(rows[1]!).getByText("Night shift")).toBeInTheDocument();
    expect(within(rows[1]!).getByLabelText("Important")).toBeInTheDocument();
    expect(screen.getByTestId("conversation-search")).toHaveFocus();
  });

  it("asks the desk with the search text and the filter chosen by click or Alt+U / Alt+I / Alt+A", async () => {
    const { user } = renderScreen();
    await screen.findAllByTestId("conversation-row");
    expect(tauriMock.callsOf("list_conversations")[0]).toEqual({ query: { search: null, filter: "all", limit: null } });

    await user.type(screen.getByTestId("conversation-search"), "  colis ");
    await waitFor(() =>
      expect(tauriMock.callsOf("list_conversations").at(-1)).toEqual({ query: { search: "colis", filter: "all", limit: null } }),
    );
    await user.click(screen.getByTestId("conversation-filter-unread"));
    await waitFor(() =>
      expect(tauriMock.callsOf("list_conversations").at(-1)).toEqual({ query: { search: "colis", filter: "unread", limit: null } }),
    );
    expect(screen.getByTestId("conversation-filter-unread")).toHaveAttribute("aria-checked", "true");

    await user.keyboard("{Alt>}i{/Alt}");
    await waitFor(() => expect(tauriMock.callsOf("list_conversations").at(-1)).toMatchObject({ query: { filter: "important" } }));
    await user.keyboard("{Alt>}a{/Alt}");
    await waitFor(() => expect(tauriMock.callsOf("list_conversations").at(-1)).toMatchObject({ query: { filter: "all" } }));
  });

  it("says when nothing matches, and when there is nothing yet", async () => {
    tauriMock.on("list_conversations", []);
    const { user } = renderScreen();
    expect(await screen.findByTestId("conversation-list-empty")).toHaveTextContent("No conversations yet");
    await user.type(screen.getByTestId("conversation-search"), "zzz");
    await waitFor(() => expect(screen.getByTestId("conversation-list-empty")).toHaveTextContent("No conversation matches."));
  });

  it("shows a failure with a retry that asks again", async () => {
    tauriMock.fail("list_conversations", "storage", "disk full");
    const { user } = renderScreen();
    const alert = await screen.findByTestId("conversation-list-error");
    tauriMock.on("list_conversations", [direct]);
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findAllByTestId("conversation-row")).toHaveLength(1);
    expect(screen.queryByTestId("conversation-list-error")).not.toBeInTheDocument();
  });

  it("follows the desk live", async () => {
    renderScreen();
    await screen.findAllByTestId("conversation-row");
    tauriMock.on("list_conversations", [group, { ...direct, unread: 3 }]);
    tauriMock.emit("messages-changed", null);
    await waitFor(() =>
      expect(screen.getAllByTestId("conversation-row").map((r) => r.getAttribute("data-conversation-id"))).toEqual(["c-2", "c-1"]),
    );
  });

  it("is driven from the keyboard: / or Ctrl+K search, arrows and Enter open, Escape goes back", async () => {
    const { user } = renderScreen();
    await screen.findAllByTestId("conversation-row");
    const search = screen.getByTestId("conversation-search");
    await user.keyboard("{ArrowDown}");
    expect(search).toHaveAttribute("aria-activedescendant", "conversation-row-c-2");
    await user.keyboard("{Enter}");
    const thread = await screen.findByTestId("thread");
    expect(thread).toHaveAttribute("data-conversation-id", "c-2");
    expect(await screen.findByTestId("composer-input")).toHaveFocus();

    await user.keyboard("{Control>}k{/Control}");
    expect(search).toHaveFocus();
    await user.click(screen.getByTestId("message-scroller"));
    await user.keyboard("/");
    expect(search).toHaveFocus();

    await user.click(screen.getByTestId("message-scroller"));
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("thread")).not.toBeInTheDocument());
    expect(screen.getByTestId("no-thread")).toBeInTheDocument();
    // Back on the row of the conversation just closed; the arrows move the focus along.
    await waitFor(() => expect(document.getElementById("conversation-row-c-2")).toHaveFocus());
    await user.keyboard("{ArrowUp}");
    expect(document.getElementById("conversation-row-c-1")).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("thread")).toHaveAttribute("data-conversation-id", "c-1");
  });

  it("says the desk is offline and how much is queued", async () => {
    renderScreen(status({ state: "offline", since_ms: Date.now() - 60_000, next_attempt_at_ms: Date.now() + 5000 }, { queued: 2 }));
    expect(await screen.findByTestId("messages-offline")).toHaveTextContent("Offline: 2 changes are waiting to be sent.");
  });
});

describe("thread", () => {
  async function openThread(user: ReturnType<typeof userEvent.setup>, id = "c-1") {
    const row = (await screen.findAllByTestId("conversation-row")).find((r) => r.getAttribute("data-conversation-id") === id)!;
    await user.click(row);
    return screen.findByTestId("thread");
  }

  it("opens with the kept draft, and marks the conversation read while the window has the focus", async () => {
    const { user } = renderScreen();
    await openThread(user);
    expect(await screen.findByTestId("composer-input")).toHaveValue("unfinished");
    await waitFor(() => expect(tauriMock.callsOf("mark_conversation_read")).toEqual([{ conversationId: "c-1" }]));
  });

  it("waits for the focus before marking read", async () => {
    vi.spyOn(document, "hasFocus").mockReturnValue(false);
    const { user } = renderScreen();
    await openThread(user);
    await screen.findByTestId("composer-input");
    expect(tauriMock.callsOf("mark_conversation_read")).toEqual([]);
    vi.spyOn(document, "hasFocus").mockReturnValue(true);
    act(() => {
      window.dispatchEvent(new Event("focus"));
    });
    await waitFor(() => expect(tauriMock.callsOf("mark_conversation_read")).toEqual([{ conversationId: "c-1" }]));
  });

  it("puts the 'new messages' line after what was read, and groups messages by day", async () => {
    const yesterday = Date.now() - 86_400_000 - 60_000;
    page = {
      messages: [
        message({ no: 1, own: true, text: "old", sent_at_ms: yesterday, state: "read" }),
        message({ no: 2, text: "new one", sent_at_ms: Date.now() - 60_000 }),
      ],
      has_older: false,
    };
    tauriMock.on("get_conversation", detail(direct, { read_through: 1 }));
    const { user } = renderScreen();
    await openThread(user);
    const list = await screen.findByTestId("message-scroller");
    await within(list).findByText("new one");
    expect(within(list).getAllByTestId("date-separator").map((s) => s.textContent)).toEqual(["Yesterday", "Today"]);
    const items = [...list.querySelectorAll("li")].map((li) => li.getAttribute("data-testid"));
    expect(items).toEqual(["date-separator", "message", "date-separator", "unread-divider", "message"]);
    expect(screen.getByTestId("thread-start")).toBeInTheDocument();
  });

  it("follows new messages at the bottom, and counts them on a button when scrolled up", async () => {
    const { user } = renderScreen();
    await openThread(user);
    const scroller = await screen.findByTestId("message-scroller");
    await within(scroller).findByText("hello");
    const geometry = { scrollHeight: 1000, clientHeight: 400 };
    Object.defineProperty(scroller, "scrollHeight", { get: () => geometry.scrollHeight, configurable: true });
    Object.defineProperty(scroller, "clientHeight", { get: () => geometry.clientHeight, configurable: true });

    // At the bottom: a new message scrolls into view, no button.
    scroller.scrollTop = 600;
    fireEvent.scroll(scroller);
    geometry.scrollHeight = 1100;
    page = { ...page, messages: [...page.messages, message({ text: "second" })] };
    tauriMock.emit("messages-changed", null);
    await within(scroller).findByText("second");
    expect(scroller.scrollTop).toBe(1100);
    expect(screen.queryByTestId("new-messages-button")).not.toBeInTheDocument();

    // Scrolled up: the next ones wait behind a button.
    scroller.scrollTop = 200;
    fireEvent.scroll(scroller);
    geometry.scrollHeight = 1300;
    page = { ...page, messages: [...page.messages, message({ text: "third" }), message({ text: "fourth" })] };
    tauriMock.emit("messages-changed", null);
    await within(scroller).findByText("fourth");
    const button = await screen.findByTestId("new-messages-button");
    expect(button).toHaveTextContent("2 new messages");
    expect(scroller.scrollTop).toBe(200);

    await user.click(button);
    expect(scroller.scrollTop).toBe(1300);
    expect(screen.queryByTestId("new-messages-button")).not.toBeInTheDocument();
  });

  it("loads older messages when scrolled to the top, keeping what was on screen in place", async () => {
    const recent: MessageView[] = Array.from({ length: 50 }, (_, i) => message({ no: 51 + i, text: `recent ${i}` }));
    const older: MessageView[] = Array.from({ length: 10 }, (_, i) => message({ no: 41 + i, text: `older ${i}` }));
    tauriMock.on("list_messages", (a: Record<string, unknown>) =>
      a.limit === 50 ? { messages: recent, has_older: true } : { messages: [...older, ...recent], has_older: false },
    );
    const { user } = renderScreen();
    await openThread(user);
    const scroller = await screen.findByTestId("message-scroller");
    await within(scroller).findByText("recent 0");
    const geometry = { scrollHeight: 5000 };
    Object.defineProperty(scroller, "scrollHeight", { get: () => geometry.scrollHeight, configurable: true });
    Object.defineProperty(scroller, "clientHeight", { get: () => 400, configurable: true });

    geometry.scrollHeight = 5000;
    scroller.scrollTop = 10;
    fireEvent.scroll(scroller);
    geometry.scrollHeight = 6000;
    await within(scroller).findByText("older 0");
    expect(tauriMock.callsOf("list_messages").at(-1)).toEqual({ conversationId: "c-1", beforeNo: null, limit: 100 });
    // 1000 px more above: the message that was at the top is still where it was.
    expect(scroller.scrollTop).toBe(1010);
    expect(screen.getByTestId("thread-start")).toBeInTheDocument();
  });

  it("retries and deletes a refused message, and toggles a reaction, through the desk", async () => {
    tauriMock.on("retry_message", null);
    tauriMock.on("discard_failed_message", null);
    tauriMock.on("set_reaction", null);
    page = {
      messages: [
        message({ id: "m-ok", no: 1, text: "from Luc" }),
        message({ id: "m-bad", no: null, own: true, state: "failed", failure: "conversation closed" }),
      ],
      has_older: false,
    };
    const { user } = renderScreen();
    await openThread(user);
    await user.click(await screen.findByTestId("message-retry"));
    expect(tauriMock.callsOf("retry_message")).toEqual([{ id: "m-bad" }]);
    await user.click(screen.getByTestId("message-delete"));
    expect(tauriMock.callsOf("discard_failed_message")).toEqual([{ id: "m-bad" }]);
    await user.click(screen.getByTestId("reaction-picker-toggle"));
    await user.click(screen.getByTestId("pick-heart"));
    expect(tauriMock.callsOf("set_reaction")).toEqual([{ messageId: "m-ok", reaction: "heart", active: true }]);
  });

  it("says plainly when the conversation is no longer at this desk, and goes back", async () => {
    tauriMock.fail("get_conversation", "not_found", "no such conversation");
    tauriMock.fail("list_messages", "not_found", "no such conversation");
    const { user } = renderScreen();
    await openThread(user);
    const gone = await screen.findByTestId("thread-gone");
    expect(gone).toHaveTextContent("This conversation is no longer at this desk");
    expect(screen.queryByTestId("thread-error")).not.toBeInTheDocument();
    expect(screen.queryByTestId("composer")).not.toBeInTheDocument();
    await user.click(within(gone).getByRole("button", { name: "Back to the conversations" }));
    await waitFor(() => expect(screen.getByTestId("no-thread")).toBeInTheDocument());
  });

  it("flags a conversation important", async () => {
    const { user } = renderScreen();
    await openThread(user);
    await user.click(await screen.findByTestId("thread-important"));
    expect(tauriMock.callsOf("set_conversation_important")).toEqual([{ conversationId: "c-1", important: true }]);
  });
});

describe("new conversation", () => {
  it("opens with Alt+N, picks people and a name, and opens what the desk started", async () => {
    tauriMock.on("start_conversation", "c-new");
    const started: ConversationSummary = conversation("c-new", { kind: "group", title: "Pool", participants });
    tauriMock.on("get_conversation", (a: Record<string, unknown>) => detail(a.id === "c-new" ? started : direct));
    const { user } = renderScreen();
    await screen.findAllByTestId("conversation-row");
    await user.keyboard("{Alt>}n{/Alt}");
    const dialog = await screen.findByTestId("new-conversation-dialog");
    expect(screen.getByTestId("new-conversation-filter")).toHaveFocus();
    expect(screen.getByTestId("new-conversation-start")).toBeDisabled();

    // Enter in the filter picks the only match.
    await user.type(screen.getByTestId("new-conversation-filter"), "sophie{Enter}");
    await user.click(within(dialog).getByRole("checkbox", { name: /Luc Gagnon/ }));
    expect(dialog).toHaveTextContent("A group of 3 people.");
    await user.type(screen.getByTestId("new-conversation-title"), "Pool");
    await user.click(screen.getByTestId("new-conversation-start"));

    expect(tauriMock.callsOf("start_conversation")).toEqual([{ participantIds: [SOPHIE, LUC], title: "Pool" }]);
    await waitFor(() => expect(screen.queryByTestId("new-conversation-dialog")).not.toBeInTheDocument());
    expect(await screen.findByTestId("thread")).toHaveAttribute("data-conversation-id", "c-new");
  });

  it("asks for the direct conversation with one person and no name (the desk reuses it)", async () => {
    tauriMock.on("start_conversation", "c-1");
    const { user } = renderScreen();
    await user.click(await screen.findByTestId("new-conversation"));
    const dialog = await screen.findByTestId("new-conversation-dialog");
    await user.click(within(dialog).getByRole("checkbox", { name: /Luc Gagnon/ }));
    expect(dialog).toHaveTextContent("A direct conversation between the two of you.");
    await user.click(screen.getByTestId("new-conversation-start"));
    expect(tauriMock.callsOf("start_conversation")).toEqual([{ participantIds: [LUC], title: null }]);
    expect(await screen.findByTestId("thread")).toHaveAttribute("data-conversation-id", "c-1");
  });
});

describe("in the app", () => {
  it("keeps the open conversation through a trip to another section", async () => {
    const { user } = await renderSignedInApp();
    tauriMock.on("list_conversations", [direct, group]);
    await user.keyboard("{Alt>}4{/Alt}");
    await user.click((await screen.findAllByTestId("conversation-row"))[1]!);
    expect(await screen.findByTestId("thread")).toHaveAttribute("data-conversation-id", "c-2");
    await user.keyboard("{Alt>}5{/Alt}");
    expect(screen.queryByTestId("thread")).not.toBeInTheDocument();
    await user.keyboard("{Alt>}4{/Alt}");
    expect(await screen.findByTestId("thread")).toHaveAttribute("data-conversation-id", "c-2");
  });
});
