/**
 * Opacity ramp editor over the colormap: drag points, double-click to add,
 * right-click to remove (at least two stay).
 */
import { useEffect, useRef } from "react";
import { type ColormapName, colormapAt } from "../render/colormaps";
import type { OpacityPoint } from "../render/transfer-function";

const W = 260;
const H = 90;
const R = 6;

export function TransferFunctionEditor(props: {
  colormap: ColormapName;
  ramp: OpacityPoint[];
  onChange: (ramp: OpacityPoint[]) => void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drag = useRef<number | null>(null);
  const pts = [...props.ramp].sort((a, b) => a[0] - b[0]);

  useEffect(() => {
    const c = ref.current?.getContext("2d");
    if (!c) return;
    c.clearRect(0, 0, W, H);
    for (let x = 0; x < W; x++) {
      const [r, g, b] = colormapAt(props.colormap, x / (W - 1));
      c.fillStyle = `rgb(${r},${g},${b})`;
      c.fillRect(x, H - 10, 1, 10);
    }
    c.strokeStyle = "#e8e8e8";
    c.lineWidth = 1.5;
    c.beginPath();
    pts.forEach(([x, a], i) => {
      const px = x * (W - 2 * R) + R;
      const py = (1 - a) * (H - 14 - 2 * R) + R;
      if (i === 0) c.moveTo(px, py);
      else c.lineTo(px, py);
    });
    c.stroke();
    for (const [x, a] of pts) {
      c.fillStyle = "#ffe14d";
      c.beginPath();
      c.arc(x * (W - 2 * R) + R, (1 - a) * (H - 14 - 2 * R) + R, 4, 0, Math.PI * 2);
      c.fill();
    }
  });

  const toPoint = (e: React.PointerEvent | React.MouseEvent): OpacityPoint => {
    const r = ref.current!.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (e.clientX - r.left - R) / (W - 2 * R)));
    const a = Math.min(1, Math.max(0, 1 - (e.clientY - r.top - R) / (H - 14 - 2 * R)));
    return [x, a];
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

  return (
    <canvas
      ref={ref}
      width={W}
      height={H}
      className="tf-editor"
      data-testid="tf-editor"
      title="Opacity: drag points, double-click to add, right-click to remove"
      onPointerDown={(e) => {
        const i = nearest(toPoint(e));
        if (i >= 0) {
          drag.current = i;
          (e.target as HTMLCanvasElement).setPointerCapture(e.pointerId);
        }
      }}
      onPointerMove={(e) => {
        if (drag.current === null) return;
        const next = pts.map((p) => [...p] as OpacityPoint);
        next[drag.current] = toPoint(e);
        props.onChange(next);
      }}
      onPointerUp={() => {
        drag.current = null;
      }}
      onDoubleClick={(e) => props.onChange([...pts, toPoint(e)])}
      onContextMenu={(e) => {
        e.preventDefault();
        const i = nearest(toPoint(e));
        if (i >= 0 && pts.length > 2) props.onChange(pts.filter((_, j) => j !== i));
      }}
    />
  );
}
