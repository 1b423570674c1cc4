/**
 * Window/level over the field's whole range, on its histogram: drag
 * sideways to move the level (the window's centre), up or down to widen or
 * narrow it; double-click resets to the full range. Keyboard: arrows left and
 * right move the level, up and down change the width (Shift: ×10).
 */
import { useEffect, useRef } from "react";
import type { ViewerEngine } from "../stream/engine";
import { SliderCanvas } from "./controls";
import { displayColumns, useHistogram } from "./histogram";
import { formatNumber } from "./use-engine";

const W = 260;
const H = 40;

/** Window after a level shift of `dLevel` and a width change of `dWidth` (fractions of the range). */
export function shiftWindow(
  win: [number, number],
  range: [number, number],
  dLevel: number,
  dWidth: number,
): [number, number] {
  const span = range[1] - range[0] || 1;
  const width = Math.max(span * 1e-4, win[1] - win[0] + dWidth * span);
  const level = (win[0] + win[1]) / 2 + dLevel * span;
  return [level - width / 2, level + width / 2];
}

export function WindowLevelBar({ engine }: { engine: ViewerEngine }) {
  const range = engine.fieldRange();
  const st = engine.state;
  const win = st.window ?? range;
  const full = useHistogram(engine, range ? { scale: "linear", window: range } : undefined);
  const ref = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number; win: [number, number] } | null>(null);

  useEffect(() => {
    const c = ref.current?.getContext("2d");
    if (!c || !range || !win) return;
    c.clearRect(0, 0, W, H);
    c.fillStyle = "#0f1216";
    c.fillRect(0, 0, W, H);
    if (full.result) {
      const cols = displayColumns(full.result, { scale: "linear", window: range }, W / 2);
      let max = 0;
      for (const v of cols) max = Math.max(max, v);
      const top = Math.log1p(max) || 1;
      c.fillStyle = "rgba(150, 165, 185, 0.5)";
      cols.forEach((v, i) => {
        const h = (Math.log1p(v) / top) * (H - 4);
        c.fillRect(i * 2, H - h, 2, h);
      });
    }
    const span = range[1] - range[0] || 1;
    const x0 = ((win[0] - range[0]) / span) * W;
    const x1 = ((win[1] - range[0]) / span) * W;
    c.fillStyle = "rgba(77, 163, 255, 0.22)";
    c.fillRect(x0, 0, x1 - x0, H);
    c.strokeStyle = "#4da3ff";
    c.lineWidth = 2;
    c.strokeRect(x0, 1, x1 - x0, H - 2);
  });

  if (!range || !win) return null;
  const apply = (w: [number, number]) => engine.setState({ window: w });
  return (
    <div className="wl">
      <SliderCanvas
        canvasRef={ref}
        width={W}
        height={H}
        className="wl-bar"
        testId="window-level"
        slider={{
          label: "Window and level (arrows: left/right level, up/down width)",
          min: range[0],
          max: range[1],
          now: (win[0] + win[1]) / 2,
          text: `window ${formatNumber(win[0])} to ${formatNumber(win[1])}`,
        }}
        title="Drag sideways: level; up/down: width; double-click: full range"
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY, win };
          (e.target as HTMLCanvasElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          apply(shiftWindow(d.win, range, (e.clientX - d.x) / W, (d.y - e.clientY) / W));
        }}
        onPointerUp={() => {
          drag.current = null;
        }}
        onDoubleClick={() => engine.setState({ window: undefined })}
        onKeyDown={(e) => {
          const k = e.shiftKey ? 0.1 : 0.01;
          const moves: Record<string, [number, number]> = {
            ArrowLeft: [-k, 0],
            ArrowRight: [k, 0],
            ArrowUp: [0, k],
            ArrowDown: [0, -k],
          };
          const m = moves[e.key];
          if (!m) return;
          e.preventDefault();
          e.stopPropagation();
          apply(shiftWindow(win, range, m[0], m[1]));
        }}
      />
      <div className="wl-range dim">
        <span>{formatNumber(range[0])}</span>
        <span>{formatNumber(range[1])}</span>
      </div>
    </div>
  );
}

/**
 * Window/level on the 3D canvas: Alt + drag (before the orbit controls see
 * the pointer). Sideways across the whole canvas moves the level over the
 * field's range; up widens, down narrows.
 */
export function useCanvasWindowLevel(engine: ViewerEngine | undefined) {
  const drag = useRef<{ x: number; y: number; w: number; win: [number, number] } | null>(null);
  return {
    onPointerDownCapture(e: React.PointerEvent<HTMLElement>) {
      const range = engine?.fieldRange();
      if (!engine || !e.altKey || engine.field.kind !== "scalar" || !range) return;
      e.stopPropagation();
      e.preventDefault();
      const w = e.currentTarget.getBoundingClientRect().width || 1;
      drag.current = { x: e.clientX, y: e.clientY, w, win: engine.state.window ?? range };
      e.currentTarget.setPointerCapture(e.pointerId);
    },
    onPointerMoveCapture(e: React.PointerEvent<HTMLElement>) {
      const d = drag.current;
      const range = engine?.fieldRange();
      if (!d || !engine || !range) return;
      e.stopPropagation();
      engine.setState({
        window: shiftWindow(d.win, range, (e.clientX - d.x) / d.w, (d.y - e.clientY) / d.w),
      });
    },
    onPointerUpCapture(e: React.PointerEvent<HTMLElement>) {
      if (!drag.current) return;
      drag.current = null;
      e.stopPropagation();
      e.currentTarget.releasePointerCapture(e.pointerId);
    },
  };
}
