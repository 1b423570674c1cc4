/**
 * Build a catalog: open every dataset (one request each), read its header,
 * and compute per-timestep statistics for every field.
 *
 * Statistics are precise by default: scalar fields are reduced over every
 * level-0 brick, and whole bricks answer from their entries (min, max, mean
 * and valid count are stored per brick), so no brick is fetched, only
 * hierarchy pages. Categorical fields count each material, which reads the
 * bricks that are not uniform. `stats: "coarse"` uses the coarsest level
 * instead (its entries come with the open request: no extra request for
 * scalar fields); `"none"` skips statistics.
 */
import { openDataset } from "../reader";
import type { Dataset } from "../reader/dataset";
import { type FlatvoxError, isFlatvoxError, throwIfAborted } from "../shared/errors";
import { paletteFromMetadata } from "../shared/palette";
import type { Box3 } from "../shared/types";
import {
  CATALOG_VERSION,
  type Catalog,
  type CatalogEntry,
  type CatalogFailure,
  type CatalogField,
  type MaterialShare,
} from "./types";

export type CatalogStats = "exact" | "coarse" | "none";

export interface DescribeOptions {
  stats?: CatalogStats;
  signal?: AbortSignal;
  /** Field × timestep reductions run at once (default 4). */
  concurrency?: number;
}

/** Categorical fields with more distinct ids than this get no material shares. */
export const MAX_MATERIALS = 4096;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

function tagsOf(meta: Record<string, unknown>): string[] {
  const raw = meta.tags ?? meta.keywords;
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [];
  return list.filter((t): t is string => typeof t === "string" && t.trim() !== "").map((t) => t.trim());
}

function baseName(url: string): string {
  const last = url.split(/[?#]/)[0].split("/").pop() ?? url;
  return last.replace(/\.fvx$/i, "") || url;
}

/** Run `jobs` with at most `n` in flight; results in order. */
async function pooled<T>(jobs: (() => Promise<T>)[], n: number, signal?: AbortSignal): Promise<T[]> {
  const out = new Array<T>(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      throwIfAborted(signal);
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, jobs.length)) }, lane));
  return out;
}

async function fieldStats(
  ds: Dataset,
  index: number,
  level: number,
  opts: DescribeOptions,
): Promise<CatalogField["stats"]> {
  const info = ds.info;
  const field = info.fields[index];
  const dims = info.levels[level].dims;
  const box: Box3 = { min: [0, 0, 0], max: [dims[0], dims[1], dims[2]] };
  const steps = info.times.map((_, t) => t);
  const exact = level === 0;
  const n = opts.concurrency ?? 4;
  if (field.kind === "scalar") {
    const rs = await pooled(
      steps.map((t) => () => ds.stats({ field: index, t, box, level, bins: 0 }, { signal: opts.signal })),
      n,
      opts.signal,
    );
    return {
      level,
      exact,
      series: {
        min: rs.map((r) => r.min),
        max: rs.map((r) => r.max),
        mean: rs.map((r) => r.mean),
        count: rs.map((r) => r.count),
      },
    };
  }
  if (!field.range) return undefined;
  const [lo, hi] = field.range;
  const bins = hi - lo + 1;
  if (!Number.isInteger(bins) || bins > MAX_MATERIALS) return undefined;
  const rs = await pooled(
    steps.map(
      (t) => () =>
        ds.stats({ field: index, t, box, level, bins, range: [lo, hi + 1] }, { signal: opts.signal }),
    ),
    n,
    opts.signal,
  );
  const voxels = dims[0] * dims[1] * dims[2];
  const names = new Map(paletteFromMetadata(info.metadata, field.name).map((m) => [m.value, m.name]));
  const materials: MaterialShare[] = [];
  for (let b = 0; b < bins; b++) {
    const fraction = rs.map((r) => (r.histogram?.[b] ?? 0) / voxels);
    if (fraction.every((f) => f === 0)) continue;
    const value = lo + b;
    materials.push({ value, name: names.get(value) ?? `material ${value}`, fraction });
  }
  return { level, exact, materials };
}

/** One catalog entry for an open dataset; `url` is what the catalog will point at. */
export async function describeDataset(
  ds: Dataset,
  url: string,
  opts: DescribeOptions = {},
): Promise<CatalogEntry> {
  const info = ds.info;
  const meta = info.metadata as Record<string, unknown>;
  const s = info.summary;
  const mode = opts.stats ?? "exact";
  const level = mode === "coarse" ? info.levels.length - 1 : 0;
  const fields: CatalogField[] = [];
  for (let i = 0; i < info.fields.length; i++) {
    const f = info.fields[i];
    fields.push({
      name: f.name,
      dtype: f.dtype,
      kind: f.kind,
      units: f.units,
      description: f.description,
      range: f.range,
      stats: mode === "none" ? undefined : await fieldStats(ds, i, level, opts),
    });
  }
  let features: CatalogEntry["features"];
  if (ds.featureIndex.available) {
    const sum = await ds.featureIndex.summary();
    features = { count: sum.features, tracks: sum.tracks };
  }
  return {
    url,
    title: str(meta.title) ?? str(meta.name) ?? str(meta.simulation) ?? baseName(url),
    description: str(meta.description) ?? "",
    tags: tagsOf(meta),
    kind: info.fields.some((f) => f.kind === "categorical") ? "categorical" : "scalar",
    version: `${info.version.major}.${info.version.minor}`,
    size: info.size,
    etag: ds.source.etag,
    dims: [...info.dims],
    spacing: [...info.spacing],
    brickSize: info.brickSize,
    levels: info.levels.length,
    times: {
      count: info.times.length,
      first: info.times[0],
      last: info.times[info.times.length - 1],
      units: info.timeUnits,
    },
    fields,
    compressionRatio: s && info.size ? s.inputBytes / info.size : undefined,
    dedupRatio: s && s.brickBytes > 0 ? (s.brickBytes + (s.dedupBytes ?? 0)) / s.brickBytes : undefined,
    features,
    metadata: meta,
  };
}

export interface CatalogInput {
  /** What to open: a file path or an http(s) URL. */
  source: string;
  /** What the catalog records for the viewer (relative to the catalog file, or absolute). */
  url: string;
}

export interface BuildCatalogOptions extends DescribeOptions {
  /** Datasets opened at once (default 2). */
  datasets?: number;
  /** Called after each input, done or failed. */
  onProgress?: (p: {
    done: number;
    total: number;
    source: string;
    error?: CatalogFailure;
    /** The entry came unchanged from `previous`. */
    reused?: boolean;
  }) => void;
  /** How to open an input (default: openDataset with the shared worker pool). */
  open?: (source: string, signal?: AbortSignal) => Promise<Dataset>;
  /**
   * An earlier catalog: an entry with the same URL, ETag and size, built with
   * the same statistics mode, is kept as it is (the dataset is still opened,
   * one request, to compare).
   */
  previous?: Catalog;
}

/** The statistics mode an entry was built with ("none" when no field has statistics). */
function statsMode(e: CatalogEntry): CatalogStats {
  const s = e.fields.find((f) => f.stats)?.stats;
  return !s ? "none" : s.exact ? "exact" : "coarse";
}

function failure(source: string, e: unknown): CatalogFailure {
  if (isFlatvoxError(e)) return { source, error: (e as FlatvoxError).tag, message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  return { source, error: err.name, message: err.message };
}

/**
 * Describe every input. A dataset that cannot be opened or read is listed
 * under `failed` with its error; the others are catalogued all the same.
 * Entries keep the inputs' order.
 */
export async function buildCatalog(inputs: CatalogInput[], opts: BuildCatalogOptions = {}): Promise<Catalog> {
  const open = opts.open ?? ((source: string, signal?: AbortSignal) => openDataset(source, { signal }));
  let done = 0;
  const before = new Map((opts.previous?.datasets ?? []).map((e) => [e.url, e]));
  const mode = opts.stats ?? "exact";
  const results = await pooled(
    inputs.map((input) => async (): Promise<CatalogEntry | CatalogFailure> => {
      let result: CatalogEntry | CatalogFailure;
      let reused = false;
      try {
        const ds = await open(input.source, opts.signal);
        try {
          const old = before.get(input.url);
          reused =
            old !== undefined &&
            old.etag !== undefined &&
            old.etag === ds.source.etag &&
            old.size === ds.info.size &&
            (mode === "none" || ds.info.fields.length === 0 || statsMode(old) === mode);
          result = reused && old ? old : await describeDataset(ds, input.url, opts);
        } finally {
          await ds.source.close?.();
        }
      } catch (e) {
        if (isFlatvoxError(e, "AbortError")) throw e;
        result = failure(input.source, e);
      }
      done++;
      opts.onProgress?.({
        done,
        total: inputs.length,
        source: input.source,
        error: "error" in result ? result : undefined,
        reused,
      });
      return result;
    }),
    opts.datasets ?? 2,
    opts.signal,
  );
  return {
    version: CATALOG_VERSION,
    generated: new Date().toISOString(),
    datasets: results.filter((r): r is CatalogEntry => !("error" in r)),
    failed: results.filter((r): r is CatalogFailure => "error" in r),
  };
}
