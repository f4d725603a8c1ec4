import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import i18n from "@/i18n";
import { LUC, ME, SOPHIE, message, participants } from "@/test/messaging";
import { tauriMock } from "@/test/tauri";
import { DateSeparator } from "./DateSeparator";
import { MessageBubble, type MessageBubbleProps } from "./MessageBubble";
import type { MessageState } from "@/bindings/MessageState";
import type { MessageView } from "@/bindings/MessageView";

function renderBubble(m: MessageView, more: Partial<MessageBubbleProps> = {}) {
  const props: MessageBubbleProps = {
    message: m,
    participants,
    group: false,
    onRetry: vi.fn(),
    onDelete: vi.fn(),
    onReact: vi.fn(),
    ...more,
  };
  const user = userEvent.setup();
  const view = render(
    <ol>
      <MessageBubble {...props} />
    </ol>,
  );
  return { ...view, user, props };
}

describe("message text is text", () => {
  it("shows HTML and script as the characters they are, and runs nothing", () => {
    const alert = vi.spyOn(window, "alert").mockImplementation(() => {});
    const text = '<img src=x onerror=alert(1)> and <script>alert(2)</script> <b>bold</b>';
    const { container } = renderBubble(message({ text }));
    const shown = screen.getByTestId("message-text");
    expect(shown.textContent).toBe(text);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(alert).not.toHaveBeenCalled();
    alert.mockRestore();
  });

  it("makes only http(s) and mailto links, opened in the system browser", async () => {
    const { user } = renderBubble(
      message({ text: "Form: https://example.com/form?unit=804 or mailto:gestion@example.com — not javascript:alert(1)" }),
    );
    const links = screen.getAllByTestId("message-link");
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://example.com/form?unit=804",
      "mailto:gestion@example.com",
    ]);
    expect(screen.getByTestId("message-text")).toHaveTextContent("not javascript:alert(1)");
    await user.click(links[0]!);
    expect(tauriMock.openUrl).toHaveBeenCalledWith("https://example.com/form?unit=804");
    // The webview itself did not navigate away.
    expect(window.location.href).not.toContain("example.com");
  });
});

describe("own message states", () => {
  const cases: Array<[MessageState, string]> = [
    ["sending", "Sending (waiting in the queue)"],
    ["sent", "Sent"],
    ["delivered", "Delivered"],
    ["read", "Read"],
    ["failed", "Not sent"],
  ];
  for (const [state, label] of cases) {
    it(`shows ${state}`, () => {
      renderBubble(message({ own: true, state, no: state === "sending" || state === "failed" ? null : 7 }));
      const bubble = screen.getByTestId("message");
      expect(bubble).toHaveAttribute("data-state", state);
      expect(screen.getByTestId("message-state")).toHaveAttribute("data-state", state);
      expect(screen.getByRole("img", { name: label })).toBeInTheDocument();
      if (state === "failed") {
        expect(screen.getByTestId("message-retry")).toBeInTheDocument();
      } else {
        expect(screen.queryByTestId("message-retry")).not.toBeInTheDocument();
        expect(screen.queryByTestId("message-delete")).not.toBeInTheDocument();
      }
    });
  }

  it("offers Retry and Delete on a refused message, with the reason", async () => {
    const m = message({ own: true, state: "failed", no: null, failure: "not a participant" });
    const { user, props } = renderBubble(m);
    expect(screen.getByTestId("message-failure")).toHaveTextContent("Not sent: not a participant");
    await user.click(screen.getByTestId("message-retry"));
    expect(props.onRetry).toHaveBeenCalledWith(m.id);
    await user.click(screen.getByTestId("message-delete"));
    expect(props.onDelete).toHaveBeenCalledWith(m.id);
  });

  it("shows others' messages as received, with their sender and no state", () => {
    renderBubble(message({ text: "hi" }));
    expect(screen.getByTestId("message")).toHaveAttribute("data-state", "received");
    expect(screen.getByTestId("message-sender")).toHaveTextContent("Luc Gagnon");
    expect(screen.queryByTestId("message-state")).not.toBeInTheDocument();
  });

  it("says who read an own message in a group, by name", () => {
    const m = message({ own: true, state: "read", read_by: [LUC, SOPHIE] });
    renderBubble(m, { group: true });
    expect(screen.getByTestId("message-read-by")).toHaveTextContent("Read by Luc Gagnon, Sophie Roy");
  });

  it("does not list readers in a direct conversation (the two checks say it)", () => {
    renderBubble(message({ own: true, state: "read", read_by: [LUC] }), { group: false });
    expect(screen.queryByTestId("message-read-by")).not.toBeInTheDocument();
  });
});

describe("reactions", () => {
  it("adds one from the picker and removes one's own by clicking it", async () => {
    const m = message({
      reactions: [
        { reaction: "thumbs_up", count: 2, staff_ids: [ME, SOPHIE], mine: true },
        { reaction: "heart", count: 1, staff_ids: [SOPHIE], mine: false },
      ],
    });
    const { user, props } = renderBubble(m);
    const thumbs = screen.getByTestId("reaction-thumbs_up");
    expect(thumbs).toHaveTextContent("2");
    expect(thumbs).toHaveAttribute("title", "Marie Tremblay, Sophie Roy");
    expect(thumbs).toHaveAttribute("aria-pressed", "true");

    await user.click(thumbs);
    expect(props.onReact).toHaveBeenLastCalledWith(m.id, "thumbs_up", false);
    await user.click(screen.getByTestId("reaction-heart"));
    expect(props.onReact).toHaveBeenLastCalledWith(m.id, "heart", true);

    await user.click(screen.getByTestId("reaction-picker-toggle"));
    const picker = screen.getByTestId("reaction-picker");
    expect(within(picker).getAllByRole("button")).toHaveLength(6);
    await user.click(within(picker).getByRole("button", { name: "Looking" }));
    expect(props.onReact).toHaveBeenLastCalledWith(m.id, "eyes", true);
    expect(screen.queryByTestId("reaction-picker")).not.toBeInTheDocument();
  });

  it("offers no reactions on a message the server does not have yet", () => {
    renderBubble(message({ own: true, state: "sending", no: null }));
    expect(screen.queryByTestId("reaction-picker-toggle")).not.toBeInTheDocument();
  });
});

describe("date separators", () => {
  const now = new Date(2026, 10, 30, 15, 0).getTime();
  const at = (day: number, hour = 9) => new Date(2026, 10, day, hour).getTime();

  function label(ms: number) {
    const { unmount } = render(
      <ol>
        <DateSeparator ms={ms} nowMs={now} />
      </ol>,
    );
    const text = screen.getByTestId("date-separator").textContent;
    unmount();
    return text;
  }

  it("says Today, Yesterday, else the day in English", () => {
    expect(label(at(30, 0))).toBe("Today");
    expect(label(at(29, 23))).toBe("Yesterday");
    expect(label(at(27))).toBe("Friday, November 27, 2026");
  });

  it("says Aujourd'hui, Hier, else the day in French", async () => {
    await i18n.changeLanguage("fr");
    expect(label(at(30))).toBe("Aujourd'hui");
    expect(label(at(29))).toBe("Hier");
    expect(label(at(27))).toBe("vendredi 27 novembre 2026");
  });
});
