/**
 * Transfer function = colormap + piecewise-linear opacity ramp over the
 * display window, baked into a 256-entry RGBA table.
 */
import { type ColormapName, colormapAt } from "./colormaps";

/** Opacity control point: x in [0,1] of the window, alpha in [0,1]. */
export type OpacityPoint = [number, number];

export const DEFAULT_RAMP: OpacityPoint[] = [
  [0, 0],
  [0.2, 0],
  [1, 0.6],
];

export function opacityAt(ramp: OpacityPoint[], x: number): number {
  if (!ramp.length) return 1;
  const pts = [...ramp].sort((a, b) => a[0] - b[0]);
  if (x <= pts[0][0]) return pts[0][1];
  for (let i = 1; i < pts.length; i++) {
    if (x <= pts[i][0]) {
      const [x0, a0] = pts[i - 1];
      const [x1, a1] = pts[i];
      return x1 === x0 ? a1 : a0 + ((a1 - a0) * (x - x0)) / (x1 - x0);
    }
  }
  return pts[pts.length - 1][1];
}

export function bakeTransferFunction(cmap: ColormapName, ramp: OpacityPoint[], size = 256): Uint8Array {
  const out = new Uint8Array(size * 4);
  for (let i = 0; i < size; i++) {
    const x = i / (size - 1);
    const [r, g, b] = colormapAt(cmap, x);
    out.set([r, g, b, Math.round(255 * Math.min(1, Math.max(0, opacityAt(ramp, x))))], i * 4);
  }
  return out;
}

/** Smallest window position (0..1) the ramp makes visible; 1 when nothing is. */
export function firstVisibleX(ramp: OpacityPoint[], size = 256): number {
  for (let i = 0; i < size; i++) if (opacityAt(ramp, i / (size - 1)) > 0.5 / 255) return i / (size - 1);
  return 1;
}
