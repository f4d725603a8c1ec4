import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { CameraSettings } from "@/bindings/CameraSettings";
import { tauriMock } from "@/test/tauri";
import { CameraCard } from "./CameraCard";

const CAMERA: CameraSettings = { camera: null, frame_source: { kind: "camera" } };

describe("CameraCard", () => {
  it("says no camera was found, and still offers the developer frame source", async () => {
    tauriMock.on("camera_settings", CAMERA);
    tauriMock.on("list_cameras", []);
    render(<CameraCard />);
    expect(await screen.findByTestId("camera-none")).toHaveTextContent("No camera found");
    expect(screen.getByRole("group", { name: "Developer" })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("remembers the chosen camera by name, and shows one that is not connected", async () => {
    tauriMock.on("camera_settings", { ...CAMERA, camera: "Old Cam" });
    tauriMock.on("list_cameras", [
      { index: "0", name: "HD Webcam" },
      { index: "2", name: "Document Camera" },
    ]);
    tauriMock.on("set_camera_settings", (a: Record<string, unknown>) => a.settings);
    const user = userEvent.setup();
    render(<CameraCard />);
    const select = await screen.findByLabelText("Camera");
    await screen.findByRole("option", { name: "Old Cam (not connected)" });
    expect(select).toHaveValue("Old Cam");
    await user.selectOptions(select, "Document Camera");
    await user.click(screen.getByTestId("camera-settings-save"));
    await screen.findByText("Saved.");
    expect(tauriMock.callsOf("set_camera_settings")).toEqual([
      { settings: { camera: "Document Camera", frame_source: { kind: "camera" } } },
    ]);
  });

  it("saves the developer setting 'frame source: files', and shows why one is refused", async () => {
    tauriMock.on("camera_settings", CAMERA);
    tauriMock.on("list_cameras", []);
    tauriMock.fail("set_camera_settings", "invalid_input", "the folder holds no PNG or JPEG images");
    const user = userEvent.setup();
    render(<CameraCard />);
    await user.click(await screen.findByTestId("camera-use-files"));
    await user.type(screen.getByLabelText("Image file or folder"), "/frames");
    await user.clear(screen.getByLabelText("Frames a second"));
    await user.type(screen.getByLabelText("Frames a second"), "15");
    await user.click(screen.getByTestId("camera-settings-save"));
    expect(await screen.findByRole("alert")).toHaveTextContent("the folder holds no PNG or JPEG images");
    expect(tauriMock.callsOf("set_camera_settings")).toEqual([
      { settings: { camera: null, frame_source: { kind: "files", path: "/frames", fps: 15 } } },
    ]);

    tauriMock.on("set_camera_settings", (a: Record<string, unknown>) => a.settings);
    await user.click(screen.getByTestId("camera-settings-save"));
    await screen.findByText("Saved.");
  });

  it("shows the stored developer setting", async () => {
    tauriMock.on("camera_settings", { camera: null, frame_source: { kind: "files", path: "/frames", fps: 5 } });
    tauriMock.on("list_cameras", []);
    render(<CameraCard />);
    await waitFor(() => expect(screen.getByTestId("camera-use-files")).toBeChecked());
    expect(screen.getByLabelText("Image file or folder")).toHaveValue("/frames");
    expect(screen.getByLabelText("Frames a second")).toHaveValue("5");
  });
});
