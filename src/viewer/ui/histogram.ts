/**
 * The value histogram behind the transfer-function editor: the reader's
 * region-stats query (histogram bins from the region-stats kernel) over the
 * whole domain at a coarse level, never a full-resolution read.
 */
import { useEffect, useState } from "react";
import type { HistogramQuery, HistogramResult, ViewerInfo } from "../data/viewer-types";
import { effectiveWindow, type ScaleSpec, windowPosition } from "../render/transfer-function";
import type { ViewerEngine } from "../stream/engine";

/** At most this many bricks are reduced for one histogram. */
export const HISTOGRAM_MAX_BRICKS = 8;
export const LINEAR_BINS = 128;
/** Log and symlog windows: finer linear bins, regrouped by display position. */
export const SCALED_BINS = 2048;

/** The finest level whose whole grid is at most HISTOGRAM_MAX_BRICKS bricks. */
export function histogramLevel(info: ViewerInfo): number {
  for (const l of info.levels)
    if (l.bricks[0] * l.bricks[1] * l.bricks[2] <= HISTOGRAM_MAX_BRICKS) return l.level;
  return info.levels[info.levels.length - 1].level;
}

export function histogramQuery(
  info: ViewerInfo,
  field: string,
  t: number,
  spec: ScaleSpec,
): HistogramQuery | undefined {
  const [lo, hi] = effectiveWindow(spec);
  if (!(hi > lo)) return undefined;
  const level = histogramLevel(info);
  const dims = info.levels.find((l) => l.level === level)!.dims;
  return {
    field,
    t,
    level,
    box: { min: [0, 0, 0], max: [...dims] },
    bins: spec.scale === "linear" ? LINEAR_BINS : SCALED_BINS,
    range: [lo, hi],
  };
}

/**
 * Counts per display column (0..columns-1 across the window) under the
 * window's scale: each bin's count goes to the column of its centre.
 */
export function displayColumns(r: HistogramResult, spec: ScaleSpec, columns: number): Float64Array {
  const out = new Float64Array(columns);
  const n = r.histogram.length;
  const [lo, hi] = r.range;
  const w = (hi - lo) / n;
  for (let i = 0; i < n; i++) {
    const c = r.histogram[i];
    if (!c) continue;
    const x = spec.scale === "linear" ? (i + 0.5) / n : windowPosition(lo + (i + 0.5) * w, spec);
    if (!(x >= 0 && x <= 1)) continue;
    out[Math.min(columns - 1, Math.floor(x * columns))] += c;
  }
  return out;
}

export interface HistogramState {
  query?: HistogramQuery;
  result?: HistogramResult;
  error?: string;
}

/** The histogram of the current field, step and window; recomputed (debounced) when they change. */
export function useHistogram(engine: ViewerEngine, spec: ScaleSpec | undefined): HistogramState {
  const [state, setState] = useState<HistogramState>({});
  const field = engine.field;
  const t = engine.state.t;
  const key = spec ? `${field.name}|${t}|${spec.scale}|${spec.window.join(",")}|${spec.linthresh}` : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names every input
  useEffect(() => {
    const ds = engine.ds;
    if (!spec || field.kind !== "scalar" || !ds.stats) {
      setState({});
      return;
    }
    const query = histogramQuery(engine.info, field.name, t, spec);
    if (!query) {
      setState({});
      return;
    }
    const c = new AbortController();
    const timer = setTimeout(() => {
      ds.stats?.(query, c.signal).then(
        (result) => {
          if (!c.signal.aborted) setState({ query, result });
        },
        (e: unknown) => {
          if (!c.signal.aborted) setState({ query, error: e instanceof Error ? e.message : String(e) });
        },
      );
    }, 120);
    return () => {
      clearTimeout(timer);
      c.abort();
    };
  }, [key, engine]);
  return state;
}
