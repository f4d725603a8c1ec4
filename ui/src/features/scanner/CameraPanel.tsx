// The webcam as a scanner: a live preview with the aim box and the code being read
// outlined. What counts as a scan is decided on the Rust side (crates/scan); a code it
// accepts goes to the same handler as a USB scan, with a beep and a flash. Alt+C turns
// the camera on and off; it is released when the panel is turned off, unmounted, or the
// window is hidden.
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Camera, CameraOff, RotateCcw } from "lucide-react";
import { desk, toDeskError, type DeskError } from "@/api/desk";
import type { CameraErrorKind } from "@/bindings/CameraErrorKind";
import type { Outline } from "@/bindings/Outline";
import { Button } from "@/components/ui/button";
import { Kbd } from "@/components/ui/kbd";
import { Spinner } from "@/components/ui/spinner";
import { describeError } from "@/lib/errors";
import { cn } from "@/lib/utils";
import { useScanDispatch } from "./ScannerContext";
import { parsePreviewMessage } from "./previewMessage";

type PanelState =
  | { kind: "off" }
  | { kind: "starting" }
  | { kind: "live"; source: string }
  | { kind: "unavailable"; reason: CameraErrorKind; message: string }
  | { kind: "error"; error: DeskError };

interface Shown {
  url: string;
  seq: number;
  width: number;
  height: number;
  aim: [number, number, number, number];
  code: Outline | null;
}

const FLASH_MS = 250;

/** A short beep: WebAudio, so no sound file ships. Silent where there is no audio. */
function beep() {
  const Audio = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Audio) return;
  try {
    const context = new Audio();
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = 1760;
    gain.gain.setValueAtTime(0.2, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.09);
    tone.connect(gain).connect(context.destination);
    tone.start();
    tone.stop(context.currentTime + 0.1);
    tone.onended = () => void context.close();
  } catch {
    // A desk with no sound output still scans.
  }
}

function objectUrl(bytes: Uint8Array): string {
  return URL.createObjectURL(new Blob([bytes as BlobPart], { type: "image/jpeg" }));
}

export interface CameraPanelProps {
  /** Offer the package photo: Alt+P while the camera is live calls this (the screen
   *  decides which parcel it is of, and says how it went). */
  onPhoto?: () => void;
}

export function CameraPanel({ onPhoto }: CameraPanelProps) {
  const { t } = useTranslation();
  const dispatch = useScanDispatch();
  const [state, setState] = useState<PanelState>({ kind: "off" });
  const [shown, setShown] = useState<Shown | null>(null);
  const [accepted, setAccepted] = useState(0);
  const [lastCode, setLastCode] = useState<string | null>(null);
  const [flash, setFlash] = useState(false);
  // Messages of a preview that was stopped may still arrive; each start gets a number.
  const session = useRef(0);
  const dispatchRef = useRef(dispatch);
  dispatchRef.current = dispatch;

  const clearShown = useCallback(() => {
    setShown((old) => {
      if (old) URL.revokeObjectURL(old.url);
      return null;
    });
  }, []);

  const onMessage = useCallback(
    (mine: number, data: ArrayBuffer) => {
      if (session.current !== mine) return;
      const message = parsePreviewMessage(data);
      if (!message) return;
      const header = message.header;
      if (header.kind === "frame") {
        const url = objectUrl(message.payload);
        setShown((old) => {
          if (old) URL.revokeObjectURL(old.url);
          return { url, seq: header.seq, width: header.width, height: header.height, aim: header.aim, code: header.code };
        });
      } else if (header.kind === "accepted") {
        beep();
        setFlash(true);
        window.setTimeout(() => setFlash(false), FLASH_MS);
        setAccepted((n) => n + 1);
        setLastCode(header.text);
        dispatchRef.current?.(header.text);
      } else {
        setState({ kind: "unavailable", reason: header.reason, message: header.message });
      }
    },
    [],
  );

  const start = useCallback(async () => {
    const mine = ++session.current;
    setState({ kind: "starting" });
    clearShown();
    try {
      const result = await desk.startCameraPreview((data) => onMessage(mine, data));
      if (session.current !== mine) return;
      setState(
        result.state === "live"
          ? { kind: "live", source: result.source }
          : { kind: "unavailable", reason: result.kind, message: result.message },
      );
    } catch (err) {
      if (session.current === mine) setState({ kind: "error", error: toDeskError(err) });
    }
  }, [clearShown, onMessage]);

  const stop = useCallback(() => {
    session.current++;
    setState({ kind: "off" });
    clearShown();
    desk.stopCameraPreview().catch((err: unknown) => console.warn("the camera preview did not stop", err));
  }, [clearShown]);

  const running = state.kind === "starting" || state.kind === "live";
  const runningRef = useRef(running);
  runningRef.current = running;

  // Alt+C toggles; Alt+P takes the photo. `code`, not `key`: Alt changes the character
  // (macOS types "ç" for Alt+C).
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      if (e.code === "KeyC") {
        e.preventDefault();
        if (runningRef.current) stop();
        else void start();
      } else if (e.code === "KeyP" && onPhoto && runningRef.current) {
        e.preventDefault();
        onPhoto();
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [start, stop, onPhoto]);

  // A hidden window gives the camera back (its light goes off).
  useEffect(() => {
    const onVisibility = () => {
      if (document.visibilityState === "hidden" && runningRef.current) stop();
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, [stop]);

  // Leaving the screen releases the camera.
  useEffect(
    () => () => {
      if (runningRef.current) {
        session.current++;
        desk.stopCameraPreview().catch((err: unknown) => console.warn("the camera preview did not stop", err));
      }
    },
    [],
  );

  return (
    <section
      aria-label={t("camera.title")}
      data-testid="camera-panel"
      data-state={state.kind}
      data-frames={shown?.seq ?? 0}
      data-accepted={accepted}
      className="space-y-2 rounded-md border border-border p-3"
    >
      <div className="flex items-center gap-2">
        <Camera aria-hidden="true" className="size-4 text-muted-foreground" />
        <h2 className="text-sm font-semibold">{t("camera.title")}</h2>
        {onPhoto && state.kind === "live" && (
          <Button type="button" size="sm" variant="outline" className="ml-auto" data-testid="camera-photo" onClick={onPhoto}>
            {t("camera.photo")} <Kbd>Alt+P</Kbd>
          </Button>
        )}
        <Button
          type="button"
          size="sm"
          variant={running ? "outline" : "default"}
          className={onPhoto && state.kind === "live" ? undefined : "ml-auto"}
          data-testid="camera-toggle"
          onClick={() => (running ? stop() : void start())}
        >
          {running ? t("camera.stop") : t("camera.start")} <Kbd>Alt+C</Kbd>
        </Button>
      </div>
      <div aria-live="polite" data-testid="camera-status" className="text-sm">
        {state.kind === "off" && <p className="text-muted-foreground">{t("camera.off")}</p>}
        {state.kind === "starting" && (
          <p className="flex items-center gap-2 text-muted-foreground">
            <Spinner /> {t("camera.starting")}
          </p>
        )}
        {state.kind === "live" && (
          <p className="text-muted-foreground">{t("camera.live", { source: state.source })}</p>
        )}
        {state.kind === "unavailable" && (
          <div role="alert" className="flex items-center gap-2">
            <CameraOff aria-hidden="true" className="size-4" />
            <span data-testid="camera-unavailable" data-reason={state.reason}>
              {t(`camera.unavailable.${state.reason}`)}
            </span>
            <RetryButton onRetry={() => void start()} />
          </div>
        )}
        {state.kind === "error" && (
          <div role="alert" className="flex items-center gap-2 text-destructive">
            <span data-testid="camera-error">{describeError(t, state.error).text}</span>
            <span className="text-xs">{state.error.message}</span>
            <RetryButton onRetry={() => void start()} />
          </div>
        )}
      </div>
      {state.kind === "unavailable" && state.reason === "failed" && (
        <p className="text-xs text-muted-foreground">{state.message}</p>
      )}
      {running && shown && (
        <div
          className={cn("relative overflow-hidden rounded bg-black", flash && "ring-4 ring-success")}
          data-testid="camera-preview"
          data-flash={flash}
        >
          <img src={shown.url} alt={t("camera.previewAlt")} className="block w-full" />
          <svg
            aria-hidden="true"
            className="absolute inset-0 size-full"
            viewBox={`0 0 ${shown.width} ${shown.height}`}
            preserveAspectRatio="none"
          >
            <rect
              data-testid="camera-aim"
              x={shown.aim[0]}
              y={shown.aim[1]}
              width={shown.aim[2]}
              height={shown.aim[3]}
              fill="none"
              stroke="white"
              strokeOpacity={0.8}
              strokeDasharray="8 6"
              strokeWidth={2}
            />
            {shown.code && shown.code.points.length > 0 && (
              <polygon
                data-testid="camera-outline"
                points={shown.code.points.map(([x, y]) => `${x},${y}`).join(" ")}
                fill="none"
                stroke="lime"
                strokeWidth={3}
              />
            )}
          </svg>
        </div>
      )}
      {lastCode !== null && (
        <p className="text-xs text-muted-foreground" data-testid="camera-last-code">
          {t("camera.lastCode", { code: lastCode })}
        </p>
      )}
    </section>
  );
}

function RetryButton({ onRetry }: { onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <Button type="button" size="sm" variant="outline" data-testid="camera-retry" onClick={onRetry}>
      <RotateCcw aria-hidden="true" /> {t("camera.retry")}
    </Button>
  );
}
