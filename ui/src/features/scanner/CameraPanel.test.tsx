import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PreviewMessage } from "@/bindings/PreviewMessage";
import type { PreviewStart } from "@/bindings/PreviewStart";
import { tauriMock } from "@/test/tauri";
import { CameraPanel } from "./CameraPanel";
import { ScannerProvider, useScanHandler } from "./ScannerContext";
import { encodePreviewMessage } from "./previewMessage";

const UPS = "1Z12345E0205271686";

/** Stands for Intake: the handler a USB scan reaches. */
function ScanTarget({ onScan }: { onScan: (text: string) => void }) {
  useScanHandler(onScan);
  return null;
}

function renderPanel(onScan = vi.fn()) {
  tauriMock.on("scanner_settings", { max_key_gap_ms: 40, min_length: 8 });
  tauriMock.on("stop_camera_preview", true);
  const user = userEvent.setup();
  const result = render(
    <ScannerProvider>
      <ScanTarget onScan={onScan} />
      <CameraPanel />
    </ScannerProvider>,
  );
  return { user, onScan, ...result };
}

function starts(answer: PreviewStart) {
  tauriMock.on("start_camera_preview", answer);
}

/** Plays the Rust side: a message on the channel of the latest start. */
function send(header: PreviewMessage, payload = new Uint8Array([0xff, 0xd8, 0xff, 0xd9])) {
  const calls = tauriMock.callsOf("start_camera_preview");
  const channel = calls.at(-1)?.channel as { onmessage: (m: ArrayBuffer) => void };
  act(() => channel.onmessage(encodePreviewMessage(header, payload)));
}

const panel = () => screen.getByTestId("camera-panel");

beforeEach(() => {
  let n = 0;
  URL.createObjectURL = vi.fn(() => `blob:frame-${++n}`);
  URL.revokeObjectURL = vi.fn();
});

describe("CameraPanel", () => {
  it("Alt+C starts the camera; frames show with the aim box and the code outlined", async () => {
    starts({ state: "live", source: "HD Webcam" });
    const { user } = renderPanel();
    expect(panel()).toHaveAttribute("data-state", "off");
    await user.keyboard("{Alt>}c{/Alt}");
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "live"));
    expect(screen.getByTestId("camera-status")).toHaveTextContent("Live: HD Webcam.");

    send({ kind: "frame", seq: 1, width: 640, height: 360, aim: [160, 72, 320, 216], code: null });
    const aim = screen.getByTestId("camera-aim");
    expect(aim).toHaveAttribute("x", "160");
    expect(aim).toHaveAttribute("width", "320");
    expect(screen.queryByTestId("camera-outline")).toBeNull();
    expect(screen.getByRole("img", { name: "What the camera sees" })).toHaveAttribute("src", "blob:frame-1");

    send({
      kind: "frame",
      seq: 2,
      width: 640,
      height: 360,
      aim: [160, 72, 320, 216],
      code: { text: UPS, points: [[200, 150], [440, 150]] },
    });
    expect(screen.getByTestId("camera-outline")).toHaveAttribute("points", "200,150 440,150");
    expect(panel()).toHaveAttribute("data-frames", "2");
    // The previous frame's picture is let go.
    expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:frame-1");
  });

  it("an accepted code goes to the USB-scan handler, with a flash", async () => {
    starts({ state: "live", source: "HD Webcam" });
    const { user, onScan } = renderPanel();
    await user.click(screen.getByTestId("camera-toggle"));
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "live"));
    send({ kind: "frame", seq: 1, width: 640, height: 360, aim: [160, 72, 320, 216], code: null });
    send({ kind: "accepted", text: UPS, symbology: "code128", reason: "check_digit" });
    expect(onScan).toHaveBeenCalledExactlyOnceWith(UPS);
    expect(panel()).toHaveAttribute("data-accepted", "1");
    expect(screen.getByTestId("camera-preview")).toHaveAttribute("data-flash", "true");
    expect(screen.getByTestId("camera-last-code")).toHaveTextContent(UPS);
    await waitFor(() => expect(screen.getByTestId("camera-preview")).toHaveAttribute("data-flash", "false"));
  });

  it("Alt+C again stops the camera, and what the old preview still sends is ignored", async () => {
    starts({ state: "live", source: "HD Webcam" });
    const { user, onScan } = renderPanel();
    await user.keyboard("{Alt>}c{/Alt}");
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "live"));
    await user.keyboard("{Alt>}c{/Alt}");
    expect(panel()).toHaveAttribute("data-state", "off");
    expect(tauriMock.callsOf("stop_camera_preview")).toHaveLength(1);
    send({ kind: "accepted", text: UPS, symbology: "code128", reason: "check_digit" });
    expect(onScan).not.toHaveBeenCalled();
    expect(screen.queryByTestId("camera-preview")).toBeNull();
  });

  it("no camera is a message with a retry, not an error page", async () => {
    starts({ state: "unavailable", kind: "no_camera", message: "no camera found" });
    const { user } = renderPanel();
    await user.keyboard("{Alt>}c{/Alt}");
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "unavailable"));
    expect(screen.getByTestId("camera-unavailable")).toHaveTextContent("No camera found.");
    starts({ state: "live", source: "HD Webcam" });
    await user.click(screen.getByTestId("camera-retry"));
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "live"));
    expect(tauriMock.callsOf("start_camera_preview")).toHaveLength(2);
  });

  it.each([
    ["busy", "in use by another program"],
    ["permission_denied", "does not let Frontdesk use the camera"],
  ] as const)("%s says what to do", async (kind, text) => {
    starts({ state: "unavailable", kind, message: "x" });
    const { user } = renderPanel();
    await user.keyboard("{Alt>}c{/Alt}");
    const shown = await screen.findByTestId("camera-unavailable");
    expect(shown).toHaveAttribute("data-reason", kind);
    expect(shown).toHaveTextContent(text);
  });

  it("a failed start is an error with a retry", async () => {
    tauriMock.fail("start_camera_preview", "internal", "camera preview: no thread");
    const { user } = renderPanel();
    await user.keyboard("{Alt>}c{/Alt}");
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "error"));
    expect(screen.getByRole("alert")).toHaveTextContent("camera preview: no thread");
    starts({ state: "live", source: "files" });
    await user.click(screen.getByTestId("camera-retry"));
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "live"));
  });

  it("a camera that stops by itself says so", async () => {
    starts({ state: "live", source: "HD Webcam" });
    const { user } = renderPanel();
    await user.keyboard("{Alt>}c{/Alt}");
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "live"));
    send({ kind: "ended", reason: "failed", message: "camera frame: unplugged" });
    expect(panel()).toHaveAttribute("data-state", "unavailable");
    expect(screen.getByTestId("camera-unavailable")).toHaveTextContent("The camera stopped working.");
    expect(screen.getByText("camera frame: unplugged")).toBeInTheDocument();
  });

  it("leaving the screen or hiding the window releases the camera", async () => {
    starts({ state: "live", source: "HD Webcam" });
    const { user, unmount } = renderPanel();
    await user.keyboard("{Alt>}c{/Alt}");
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "live"));
    const hidden = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    act(() => void document.dispatchEvent(new Event("visibilitychange")));
    hidden.mockRestore();
    expect(panel()).toHaveAttribute("data-state", "off");
    expect(tauriMock.callsOf("stop_camera_preview")).toHaveLength(1);

    await user.keyboard("{Alt>}c{/Alt}");
    await waitFor(() => expect(panel()).toHaveAttribute("data-state", "live"));
    unmount();
    expect(tauriMock.callsOf("stop_camera_preview")).toHaveLength(2);
  });
});
