// A stand-in for the Tauri IPC in jsdom: tests register what each command answers and
// emit events; every invoke is recorded.
import { act } from "@testing-library/react";
import { vi } from "vitest";

type Handler = (args: Record<string, unknown>, options?: InvokeOptions) => unknown;
type InvokeOptions = { headers?: Record<string, string> };
type Listener = (event: { event: string; id: number; payload: unknown }) => void;

const handlers = new Map<string, Handler>();
const listeners = new Map<string, Set<Listener>>();

export const tauriMock = {
  invoke: vi.fn(async (cmd: string, args?: Record<string, unknown>, options?: InvokeOptions): Promise<unknown> => {
    const handler = handlers.get(cmd);
    if (!handler) throw { code: "internal", message: `no mock for command ${cmd}` };
    return handler(args ?? {}, options);
  }),

  /** The opener plugin: links the UI asked the system browser to open. */
  openUrl: vi.fn(async (_url: string) => {}),

  /** The notification plugin: permission as granted by default, notifications recorded. */
  notification: {
    isPermissionGranted: vi.fn(async () => true),
    requestPermission: vi.fn(async (): Promise<NotificationPermission> => "granted"),
    sendNotification: vi.fn((_options: unknown) => {}),
  },

  listen: vi.fn(async (event: string, cb: Listener) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(cb);
    return () => {
      set.delete(cb);
    };
  }),

  /** What `cmd` answers: a value, or a function of the arguments (may throw or be async). */
  on(cmd: string, answer: Handler | unknown) {
    handlers.set(cmd, typeof answer === "function" ? (answer as Handler) : () => answer);
  },

  /** Make `cmd` reject with a DeskError. */
  fail(cmd: string, code: string, message = "test failure") {
    handlers.set(cmd, () => Promise.reject({ code, message }));
  },

  /** Fire an event at every listener, inside act(). */
  emit(event: string, payload: unknown) {
    act(() => {
      for (const cb of listeners.get(event) ?? []) cb({ event, id: 0, payload });
    });
  },

  listenerCount(event: string) {
    return listeners.get(event)?.size ?? 0;
  },

  /** The argument objects of every call of `cmd`, in order. */
  callsOf(cmd: string): Array<Record<string, unknown> | undefined> {
    return tauriMock.invoke.mock.calls.filter(([c]) => c === cmd).map(([, a]) => a);
  },

  reset() {
    handlers.clear();
    listeners.clear();
    tauriMock.invoke.mockClear();
    tauriMock.listen.mockClear();
    tauriMock.openUrl.mockClear();
    tauriMock.notification.isPermissionGranted.mockReset().mockResolvedValue(true);
    tauriMock.notification.requestPermission.mockReset().mockResolvedValue("granted");
    tauriMock.notification.sendNotification.mockClear();
  },
};
