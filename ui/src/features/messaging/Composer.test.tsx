import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Attachment } from "@/bindings/Attachment";
import { messageLimits } from "@/test/fixtures";
import { tauriMock } from "@/test/tauri";
import { ATTACHMENT_NAME_HEADER } from "@/api/messages";
import { Composer } from "./Composer";
import { resetLimitsCache } from "./limits";

const SHA = "a".repeat(64);

function attachmentFor(name: string, size: number, contentType = "application/pdf"): Attachment {
  return { sha256: SHA.slice(0, 60) + String(size).padStart(4, "0").slice(-4), name, content_type: contentType, size };
}

/** A file whose reported size is `size` (its bytes are short: only the size is checked here). */
function fileOf(name: string, size: number, type = "application/pdf"): File {
  const file = new File([new Uint8Array([37, 80, 68, 70])], name, { type });
  Object.defineProperty(file, "size", { value: size });
  return file;
}

beforeEach(() => {
  resetLimitsCache();
  tauriMock.on("message_limits", messageLimits);
  tauriMock.on("send_message", "m-new");
  tauriMock.on("save_draft", null);
  tauriMock.on("attach_file", (_args: unknown, options?: { headers?: Record<string, string> }) => {
    const name = decodeURIComponent(options?.headers?.[ATTACHMENT_NAME_HEADER] ?? "");
    // As the desk sniffs it from the bytes: these tests name PNGs for what they hold.
    return attachmentFor(name, 4, name.endsWith(".png") ? "image/png" : "application/pdf");
  });
});

const { createObjectURL, revokeObjectURL } = URL;
afterEach(() => Object.assign(URL, { createObjectURL, revokeObjectURL }));

async function renderComposer(initialDraft: string | null = null) {
  const user = userEvent.setup();
  render(<Composer conversationId="c-1" initialDraft={initialDraft} />);
  const input = screen.getByTestId("composer-input");
  // The limits are asked once; wait for them so the checks below apply.
  await waitFor(() => expect(tauriMock.callsOf("message_limits")).toHaveLength(1));
  return { user, input };
}

describe("composer", () => {
  it("sends on Enter and starts a new line on Shift+Enter", async () => {
    const { user, input } = await renderComposer();
    await user.type(input, "Parcel for 804{Shift>}{Enter}{/Shift}at the desk");
    expect(input).toHaveValue("Parcel for 804\nat the desk");
    expect(tauriMock.callsOf("send_message")).toHaveLength(0);
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(tauriMock.callsOf("send_message")).toEqual([
        { conversationId: "c-1", text: "Parcel for 804\nat the desk", attachments: [] },
      ]),
    );
    await waitFor(() => expect(input).toHaveValue(""));
  });

  it("does not send empty text", async () => {
    const { user } = await renderComposer();
    await user.keyboard("   {Enter}");
    expect(tauriMock.callsOf("send_message")).toHaveLength(0);
    expect(screen.getByTestId("composer-send")).toBeDisabled();
  });

  it("restores the desk's draft and saves what is typed", async () => {
    const { user, input } = await renderComposer("half-written");
    expect(input).toHaveValue("half-written");
    await user.type(input, " note");
    await waitFor(() => expect(tauriMock.callsOf("save_draft").at(-1)).toEqual({ conversationId: "c-1", text: "half-written note" }), {
      timeout: 3000,
    });
  });

  it("sends only after the draft save on its way, so the desk keeps no draft of a sent message", async () => {
    let finishSave!: () => void;
    tauriMock.on("save_draft", () => new Promise<null>((resolve) => (finishSave = () => resolve(null))));
    const { user, input } = await renderComposer();
    await user.type(input, "on my way");
    await waitFor(() => expect(tauriMock.callsOf("save_draft")).toHaveLength(1), { timeout: 3000 });
    await user.keyboard("{Enter}");
    expect(tauriMock.callsOf("send_message")).toHaveLength(0);
    finishSave();
    await waitFor(() => expect(tauriMock.callsOf("send_message")).toHaveLength(1));
    const order = tauriMock.invoke.mock.calls.map(([c]) => c).filter((c) => c === "save_draft" || c === "send_message");
    expect(order).toEqual(["save_draft", "send_message"]);
  });

  it("saves an unsaved draft at once when the window loses the focus", async () => {
    const { user, input } = await renderComposer();
    await user.type(input, "typed before closing");
    fireEvent.blur(window);
    expect(tauriMock.callsOf("save_draft").at(-1)).toEqual({ conversationId: "c-1", text: "typed before closing" });
  });

  it("saves an unsaved draft at once when the conversation closes", async () => {
    const user = userEvent.setup();
    const { unmount } = render(<Composer conversationId="c-9" initialDraft={null} />);
    await user.type(screen.getByTestId("composer-input"), "to finish later");
    unmount();
    expect(tauriMock.callsOf("save_draft").at(-1)).toEqual({ conversationId: "c-9", text: "to finish later" });
  });

  it("refuses text over the limit with a counter and a message, before queueing anything", async () => {
    resetLimitsCache();
    tauriMock.on("message_limits", { ...messageLimits, max_message_chars: 10 });
    const { user, input } = await renderComposer();
    await user.type(input, "0123456789x");
    expect(screen.getByTestId("composer-counter")).toHaveTextContent("11 / 10");
    expect(input).toHaveAttribute("aria-invalid", "true");
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("composer-problems")).toHaveTextContent("at most 10 characters");
    expect(tauriMock.callsOf("send_message")).toHaveLength(0);
  });

  it("attaches picked files and sends them with the text", async () => {
    const { user, input } = await renderComposer();
    await user.upload(screen.getByTestId("composer-file-input"), fileOf("lease renewal.pdf", 4));
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(1));
    expect(screen.getByTestId("attachment-chip")).toHaveTextContent("lease renewal.pdf");
    const [call] = tauriMock.invoke.mock.calls.filter(([c]) => c === "attach_file");
    expect(call![1]).toBeInstanceOf(Uint8Array);
    await user.type(input, "Signed copy{Enter}");
    await waitFor(() => expect(tauriMock.callsOf("send_message")).toHaveLength(1));
    expect(tauriMock.callsOf("send_message")[0]).toMatchObject({
      text: "Signed copy",
      attachments: [{ name: "lease renewal.pdf" }],
    });
  });

  it("refuses a file over the size limit with its name, and stores nothing of it", async () => {
    const { user } = await renderComposer();
    await user.upload(screen.getByTestId("composer-file-input"), [
      fileOf("scan.pdf", messageLimits.max_attachment_bytes + 1),
      fileOf("ok.pdf", 4),
    ]);
    expect(await screen.findByTestId("composer-problems")).toHaveTextContent(
      "scan.pdf is too large (at most 10 MB per file): it was not added.",
    );
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(1));
    expect(tauriMock.callsOf("attach_file")).toHaveLength(1);
  });

  it("refuses more files than a message holds", async () => {
    const { user } = await renderComposer();
    const files = Array.from({ length: messageLimits.max_attachments_per_message + 1 }, (_, i) => fileOf(`f${i}.pdf`, 4));
    await user.upload(screen.getByTestId("composer-file-input"), files);
    expect(await screen.findByTestId("composer-problems")).toHaveTextContent("At most 10 files per message: nothing was added.");
    expect(tauriMock.callsOf("attach_file")).toHaveLength(0);
  });

  it("shows the desk's refusal of a file's type", async () => {
    tauriMock.fail("attach_file", "invalid_input", "this kind of file cannot be attached");
    const { user } = await renderComposer();
    await user.upload(screen.getByTestId("composer-file-input"), fileOf("tool.exe", 4, "application/octet-stream"));
    expect(await screen.findByTestId("composer-problems")).toHaveTextContent(
      "tool.exe was not added: Some of the information isn't valid. Details: this kind of file cannot be attached",
    );
    expect(screen.queryByTestId("attachment-chip")).not.toBeInTheDocument();
  });

  it("takes files dropped on it and images pasted into it, with a preview of the image", async () => {
    const created = vi.fn(() => "blob:preview-1");
    Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() });
    await renderComposer();
    const composer = screen.getByTestId("composer");
    fireEvent.drop(composer, { dataTransfer: { files: [fileOf("dropped.pdf", 4)], types: ["Files"] } });
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(1));
    fireEvent.paste(screen.getByTestId("composer-input"), {
      clipboardData: { files: [fileOf("image.png", 4, "image/png")], getData: () => "" },
    });
    await waitFor(() => expect(screen.getAllByTestId("attachment-chip")).toHaveLength(2));
    expect(screen.getAllByTestId("attachment-chip")[1]).toHaveAttribute("data-kind", "image");
    expect(screen.getByTestId("attachment-preview")).toHaveAttribute("src", "blob:preview-1");
    expect(created).toHaveBeenCalledTimes(1);
  });
});
