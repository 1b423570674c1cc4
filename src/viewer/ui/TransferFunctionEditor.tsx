/**
 * Opacity ramp editor over the colormap, with the value histogram of the
 * window behind it. Mouse: drag points, double-click to add, right-click to
 * remove (at least two stay). Keyboard (when focused): [ and ] select a
 * point, arrows move it (Shift: larger steps), + or Insert adds one after it,
 * Delete or - removes it.
 */
import { useEffect, useRef, useState } from "react";
import { type ColormapName, colormapAt } from "../render/colormaps";
import type { OpacityPoint } from "../render/transfer-function";
import { SliderCanvas } from "./controls";

export const TF_W = 260;
export const TF_H = 110;
const R = 6;
const STRIP = 10;
const PLOT_H = TF_H - STRIP - 4;

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const px = (x: number) => x * (TF_W - 2 * R) + R;
const py = (a: number) => (1 - a) * (PLOT_H - 2 * R) + R;

export function TransferFunctionEditor(props: {
  colormap: ColormapName;
  invert?: boolean;
  ramp: OpacityPoint[];
  onChange: (ramp: OpacityPoint[]) => void;
  /** Counts per display column across the window (drawn behind the ramp, log-scaled heights). */
  histogram?: Float64Array;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drag = useRef<number | null>(null);
  const [selected, setSelected] = useState(0);
  const [focused, setFocused] = useState(false);
  const pts = [...props.ramp].sort((a, b) => a[0] - b[0]);
  const sel = Math.min(selected, pts.length - 1);
  const p = pts[sel];

  useEffect(() => {
    const c = ref.current?.getContext("2d");
    if (!c) return;
    c.clearRect(0, 0, TF_W, TF_H);
    c.fillStyle = "#0f1216";
    c.fillRect(0, 0, TF_W, PLOT_H);
    const h = props.histogram;
    if (h?.length) {
      let max = 0;
      for (const v of h) max = Math.max(max, v);
      const top = Math.log1p(max) || 1;
      const cw = (TF_W - 2 * R) / h.length;
      c.fillStyle = "rgba(150, 165, 185, 0.45)";
      h.forEach((v, i) => {
        if (!v) return;
        const bh = (Math.log1p(v) / top) * (PLOT_H - R);
        c.fillRect(R + i * cw, PLOT_H - bh, Math.max(1, cw - 0.25), bh);
      });
    }
    for (let x = 0; x < TF_W; x++) {
      const [r, g, b] = colormapAt(props.colormap, (x - R) / (TF_W - 2 * R), props.invert);
      c.fillStyle = `rgb(${r},${g},${b})`;
      c.fillRect(x, TF_H - STRIP, 1, STRIP);
    }
    c.strokeStyle = "#e8e8e8";
    c.lineWidth = 1.5;
    c.beginPath();
    pts.forEach(([x, a], i) => {
      if (i === 0) c.moveTo(px(x), py(a));
      else c.lineTo(px(x), py(a));
    });
    c.stroke();
    pts.forEach(([x, a], i) => {
      c.fillStyle = "#ffe14d";
      c.beginPath();
      c.arc(px(x), py(a), 4, 0, Math.PI * 2);
      c.fill();
      if (focused && i === sel) {
        c.strokeStyle = "#4da3ff";
        c.lineWidth = 2;
        c.beginPath();
        c.arc(px(x), py(a), 7, 0, Math.PI * 2);
        c.stroke();
      }
    });
  });

  const toPoint = (e: React.PointerEvent | React.MouseEvent): OpacityPoint => {
    const r = ref.current!.getBoundingClientRect();
    return [
      clamp01((e.clientX - r.left - R) / (TF_W - 2 * R)),
      clamp01(1 - (e.clientY - r.top - R) / (PLOT_H - 2 * R)),
    ];
  };
  const nearest = (p: OpacityPoint): number => {
    let best = -1;
    let bd = 0.08;
    pts.forEach(([x, a], i) => {
      const d = Math.hypot(x - p[0], (a - p[1]) * 0.5);
      if (d < bd) {
        bd = d;
        best = i;
      }
    });
    return best;
  };
  const commit = (next: OpacityPoint[], select: OpacityPoint) => {
    const sorted = [...next].sort((a, b) => a[0] - b[0]);
    setSelected(Math.max(0, sorted.indexOf(select)));
    props.onChange(sorted);
  };

  const onKey = (e: React.KeyboardEvent) => {
    const big = e.shiftKey;
    let handled = true;
    if (e.key === "]") setSelected((sel + 1) % pts.length);
    else if (e.key === "[") setSelected((sel - 1 + pts.length) % pts.length);
    else if (e.key.startsWith("Arrow") && p) {
      const dx = e.key === "ArrowLeft" ? -1 : e.key === "ArrowRight" ? 1 : 0;
      const da = e.key === "ArrowDown" ? -1 : e.key === "ArrowUp" ? 1 : 0;
      const moved: OpacityPoint = [
        clamp01(p[0] + dx * (big ? 0.1 : 0.01)),
        clamp01(p[1] + da * (big ? 0.1 : 0.02)),
      ];
      commit(
        pts.map((q, i) => (i === sel ? moved : q)),
        moved,
      );
    } else if ((e.key === "+" || e.key === "Insert") && p) {
      const q = pts[sel + 1] ?? [1, p[1]];
      const added: OpacityPoint = [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
      commit([...pts, added], added);
    } else if ((e.key === "Delete" || e.key === "-" || e.key === "Backspace") && pts.length > 2) {
      props.onChange(pts.filter((_, j) => j !== sel));
      setSelected(Math.max(0, sel - 1));
    } else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  };

  return (
    <div className="tf-wrap">
      <SliderCanvas
        canvasRef={ref}
        width={TF_W}
        height={TF_H}
        className="tf-editor"
        testId="tf-editor"
        slider={{
          label: "Opacity transfer function: the selected point's opacity",
          min: 0,
          max: 1,
          now: p ? p[1] : 0,
          text: p
            ? `point ${sel + 1} of ${pts.length}: position ${p[0].toFixed(2)}, opacity ${p[1].toFixed(2)}`
            : "",
        }}
        aria-describedby="tf-help"
        title="Opacity: drag points, double-click to add, right-click to remove"
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onKeyDown={onKey}
        onPointerDown={(e) => {
          const i = nearest(toPoint(e));
          if (i >= 0) {
            drag.current = i;
            setSelected(i);
            (e.target as HTMLCanvasElement).setPointerCapture(e.pointerId);
          }
        }}
        onPointerMove={(e) => {
          if (drag.current === null) return;
          const next = pts.map((q) => [...q] as OpacityPoint);
          next[drag.current] = toPoint(e);
          props.onChange(next);
        }}
        onPointerUp={() => {
          drag.current = null;
        }}
        onDoubleClick={(e) => commit([...pts, toPoint(e)], toPoint(e))}
        onContextMenu={(e) => {
          e.preventDefault();
          const i = nearest(toPoint(e));
          if (i >= 0 && pts.length > 2) props.onChange(pts.filter((_, j) => j !== i));
        }}
      />
      <div id="tf-help" className={focused ? "tf-help" : "sr-only"}>
        [ ] select a point · arrows move it (Shift: ×10) · + adds · Delete removes
      </div>
      <div className="sr-only" aria-live="polite" data-testid="tf-selected">
        {p
          ? `point ${sel + 1} of ${pts.length}: position ${p[0].toFixed(2)}, opacity ${p[1].toFixed(2)}`
          : ""}
      </div>
    </div>
  );
}
