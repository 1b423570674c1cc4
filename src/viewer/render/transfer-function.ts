/**
 * Transfer function = colormap + piecewise-linear opacity ramp over the
 * display window, baked into a 256-entry RGBA table, and the value scale that
 * places a field value in the window (linear, log10, or symmetric log).
 *
 * Log scale: values ≤ 0 have no logarithm and count as below the window
 * (position 0 of the table, which the default ramp makes transparent). A
 * window whose low end is ≤ 0 starts four decades below its high end
 * (`LOG_DECADES`); a window entirely ≤ 0 shows nothing above position 0.
 * Symlog: sign(v)·log10(1 + |v|/linthresh), linear within ±linthresh, so
 * signed data keeps its zero crossing.
 */
import { type ColormapName, colormapAt } from "./colormaps";

/** Opacity control point: x in [0,1] of the window, alpha in [0,1]. */
export type OpacityPoint = [number, number];

export type ValueScale = "linear" | "log" | "symlog";
export const VALUE_SCALES: ValueScale[] = ["linear", "log", "symlog"];

/** Decades a log window spans when its low end is not positive. */
export const LOG_DECADES = 4;

export interface ScaleSpec {
  scale: ValueScale;
  window: [number, number];
  /** Symlog's linear half-width (field units); default from the window. */
  linthresh?: number;
}

export const DEFAULT_RAMP: OpacityPoint[] = [
  [0, 0],
  [0.2, 0],
  [1, 0.6],
];

/** Symlog's linear half-width when none is set: a thousandth of the window's largest magnitude. */
export function defaultLinthresh(window: [number, number]): number {
  const m = Math.max(Math.abs(window[0]), Math.abs(window[1]));
  return m > 0 ? m / 1000 : 1;
}

/** The window's ends as the scale uses them (log: a positive low end). */
export function effectiveWindow(s: ScaleSpec): [number, number] {
  const [lo, hi] = s.window;
  if (s.scale !== "log") return [lo, hi];
  if (lo > 0) return [lo, hi];
  return hi > 0 ? [hi / 10 ** LOG_DECADES, hi] : [Number.NaN, Number.NaN];
}

/** The scale's transform of a value (log10, symlog, or identity); −∞ for log of v ≤ 0. */
export function scaleTransform(scale: ValueScale, v: number, linthresh: number): number {
  if (scale === "linear") return v;
  if (scale === "log") return v > 0 ? Math.log10(v) : Number.NEGATIVE_INFINITY;
  return Math.sign(v) * Math.log10(1 + Math.abs(v) / linthresh);
}

function inverseTransform(scale: ValueScale, s: number, linthresh: number): number {
  if (scale === "linear") return s;
  if (scale === "log") return 10 ** s;
  return Math.sign(s) * linthresh * (10 ** Math.abs(s) - 1);
}

/** Transformed window ends [lo, hi] of a spec. */
export function scaledWindow(s: ScaleSpec): [number, number] {
  const [lo, hi] = effectiveWindow(s);
  const c = s.linthresh ?? defaultLinthresh(s.window);
  return [scaleTransform(s.scale, lo, c), scaleTransform(s.scale, hi, c)];
}

/** Position of a value in the window (0 = low end, 1 = high end; not clamped; −∞ for log of v ≤ 0). */
export function windowPosition(v: number, s: ScaleSpec): number {
  const [a, b] = scaledWindow(s);
  if (!Number.isFinite(a)) return Number.NEGATIVE_INFINITY;
  const c = s.linthresh ?? defaultLinthresh(s.window);
  return (scaleTransform(s.scale, v, c) - a) / (b > a ? b - a : 1e-30);
}

/** The value at a window position (inverse of windowPosition). */
export function windowValue(x: number, s: ScaleSpec): number {
  const [a, b] = scaledWindow(s);
  if (!Number.isFinite(a)) return Number.POSITIVE_INFINITY;
  const c = s.linthresh ?? defaultLinthresh(s.window);
  return inverseTransform(s.scale, a + x * (b - a), c);
}

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

export function bakeTransferFunction(
  cmap: ColormapName,
  ramp: OpacityPoint[],
  inverted = false,
  size = 256,
): Uint8Array {
  const out = new Uint8Array(size * 4);
  for (let i = 0; i < size; i++) {
    const x = i / (size - 1);
    const [r, g, b] = colormapAt(cmap, x, inverted);
    out.set([r, g, b, Math.round(255 * Math.min(1, Math.max(0, opacityAt(ramp, x))))], i * 4);
  }
  return out;
}

/** Smallest window position (0..1) the ramp makes visible; 1 when nothing is. */
export function firstVisibleX(ramp: OpacityPoint[], size = 256): number {
  for (let i = 0; i < size; i++) if (opacityAt(ramp, i / (size - 1)) > 0.5 / 255) return i / (size - 1);
  return 1;
}

/**
 * "Nice" tick values for an axis over [lo, hi] under a scale: round numbers
 * (1, 2, 5 × 10^k) for linear, powers of ten for log (with 2 and 5 between
 * when few decades show), and for symlog zero plus powers of ten on either side.
 */
export function scaleTicks(s: ScaleSpec, count = 5): number[] {
  const [lo, hi] = effectiveWindow(s);
  if (!(hi > lo)) return Number.isFinite(lo) ? [lo] : [];
  if (s.scale === "linear") return linearTicks(lo, hi, count);
  const inside = (v: number) => v >= lo - (hi - lo) * 1e-9 && v <= hi + (hi - lo) * 1e-9;
  const decades: number[] = [];
  if (s.scale === "log") {
    const a = Math.floor(Math.log10(lo));
    const b = Math.ceil(Math.log10(hi));
    const span = b - a;
    const mult = span <= 2 ? [1, 2, 5] : [1];
    const step = Math.max(1, Math.ceil(span / (count + 1)));
    for (let k = a; k <= b; k += step)
      for (const m of mult) if (inside(m * 10 ** k)) decades.push(m * 10 ** k);
    return decades.length >= 2 ? decades : linearTicks(lo, hi, count);
  }
  const c = s.linthresh ?? defaultLinthresh(s.window);
  const out = new Set<number>();
  if (inside(0)) out.add(0);
  const top = Math.ceil(Math.log10(Math.max(Math.abs(lo), Math.abs(hi), c)));
  const bottom = Math.floor(Math.log10(c));
  const step = Math.max(1, Math.ceil((top - bottom) / count));
  for (let k = top; k >= bottom; k -= step) {
    if (inside(10 ** k)) out.add(10 ** k);
    if (inside(-(10 ** k))) out.add(-(10 ** k));
  }
  const ticks = [...out].sort((x, y) => x - y);
  return ticks.length >= 2 ? ticks : linearTicks(lo, hi, count);
}

function linearTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}
