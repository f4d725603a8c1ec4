// A signature pad: a <canvas> drawn on with pointer events (mouse, pen, finger). The
// strokes are kept as points in the 1000×400 signature box (the canvas's own size, scaled
// by CSS), so the path data can be made from them without reading pixels back — and
// without a 2D context at all, where there is none.
import { useCallback, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { Eraser } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import { SIGNATURE_HEIGHT, SIGNATURE_WIDTH, type Point, type Stroke } from "./signature";

export interface SignaturePadProps {
  strokes: readonly Stroke[];
  onChange: (strokes: Stroke[]) => void;
  disabled?: boolean;
  invalid?: boolean;
  /** Ids of the texts that describe the pad (the hint, the error). */
  describedBy?: string;
  label: string;
}

function context(canvas: HTMLCanvasElement | null): CanvasRenderingContext2D | null {
  if (!canvas) return null;
  try {
    return canvas.getContext("2d");
  } catch {
    return null;
  }
}

function styleOf(ctx: CanvasRenderingContext2D) {
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#111827";
  ctx.fillStyle = "#111827";
}

function drawStroke(ctx: CanvasRenderingContext2D, stroke: Stroke) {
  const [first, ...rest] = stroke;
  if (!first) return;
  if (rest.length === 0) {
    ctx.beginPath();
    ctx.arc(first[0], first[1], 1.5, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  ctx.beginPath();
  ctx.moveTo(first[0], first[1]);
  for (const [x, y] of rest) ctx.lineTo(x, y);
  ctx.stroke();
}

export function SignaturePad({ strokes, onChange, disabled, invalid, describedBy, label }: SignaturePadProps) {
  const { t } = useTranslation();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  /** The stroke being drawn, and by which pointer. */
  const current = useRef<{ pointerId: number; points: Point[] } | null>(null);
  const latest = useRef(strokes);
  latest.current = strokes;

  // Redraw whenever the strokes change from outside (Clear, a new pickup).
  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = context(canvas);
    if (!canvas || !ctx) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    styleOf(ctx);
    for (const stroke of strokes) drawStroke(ctx, stroke);
  }, [strokes]);

  const pointOf = useCallback((clientX: number, clientY: number): Point => {
    const canvas = canvasRef.current;
    const rect = canvas?.getBoundingClientRect();
    // No layout (tests): client coordinates are taken as box coordinates.
    const width = rect && rect.width > 0 ? rect.width : SIGNATURE_WIDTH;
    const height = rect && rect.height > 0 ? rect.height : SIGNATURE_HEIGHT;
    const x = ((clientX - (rect?.left ?? 0)) * SIGNATURE_WIDTH) / width;
    const y = ((clientY - (rect?.top ?? 0)) * SIGNATURE_HEIGHT) / height;
    return [Math.min(Math.max(x, 0), SIGNATURE_WIDTH), Math.min(Math.max(y, 0), SIGNATURE_HEIGHT)];
  }, []);

  const finish = useCallback(
    (pointerId: number) => {
      const stroke = current.current;
      if (!stroke || stroke.pointerId !== pointerId) return;
      current.current = null;
      if (stroke.points.length > 0) onChange([...latest.current, stroke.points]);
    },
    [onChange],
  );

  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (disabled) return;
    if (e.pointerType === "mouse" && e.button !== 0) return;
    e.preventDefault();
    try {
      e.currentTarget.setPointerCapture?.(e.pointerId);
    } catch {
      // Not every platform captures (jsdom); drawing still works while over the pad.
    }
    const point = pointOf(e.clientX, e.clientY);
    current.current = { pointerId: e.pointerId, points: [point] };
    const ctx = context(canvasRef.current);
    if (ctx) {
      styleOf(ctx);
      drawStroke(ctx, [point]);
    }
  };

  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const stroke = current.current;
    if (!stroke || stroke.pointerId !== e.pointerId) return;
    e.preventDefault();
    // A pen reports more points than there are frames: use them all where available.
    const native = e.nativeEvent as PointerEvent;
    const events = typeof native.getCoalescedEvents === "function" ? native.getCoalescedEvents() : [];
    const points = (events.length > 0 ? events : [native]).map((ev) => pointOf(ev.clientX, ev.clientY));
    const ctx = context(canvasRef.current);
    const before = stroke.points[stroke.points.length - 1];
    stroke.points.push(...points);
    if (ctx && before) {
      styleOf(ctx);
      drawStroke(ctx, [before, ...points]);
    }
  };

  const onPointerEnd = (e: React.PointerEvent<HTMLCanvasElement>) => finish(e.pointerId);

  return (
    <div className="space-y-2">
      <div
        className={cn(
          "relative overflow-hidden rounded-md border bg-white",
          invalid ? "border-destructive ring-2 ring-destructive/30" : "border-input",
          disabled && "opacity-60",
        )}
      >
        <canvas
          ref={canvasRef}
          width={SIGNATURE_WIDTH}
          height={SIGNATURE_HEIGHT}
          role="img"
          aria-label={label}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          tabIndex={0}
          data-signature-pad=""
          data-testid="pickup-signature-pad"
          data-strokes={strokes.length}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerEnd}
          onPointerCancel={onPointerEnd}
          onLostPointerCapture={onPointerEnd}
          className="block aspect-[5/2] w-full cursor-crosshair touch-none outline-none select-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-inset"
        />
        {strokes.length === 0 && (
          <span
            aria-hidden="true"
            className="pointer-events-none absolute inset-x-6 bottom-6 border-b border-dashed border-muted-foreground/50 pb-1 text-xs text-muted-foreground"
          >
            {t("pickup.signature.signHere")}
          </span>
        )}
      </div>
      <Button
        size="sm"
        variant="outline"
        onClick={() => {
          current.current = null;
          onChange([]);
        }}
        disabled={disabled || strokes.length === 0}
        data-testid="pickup-signature-clear"
      >
        <Eraser aria-hidden="true" />
        {t("pickup.signature.clear")}
      </Button>
    </div>
  );
}
