/**
 * Reading and searching a catalog. Shared by `flatvox catalog search` and the
 * viewer's start screen, so both find the same datasets in the same order.
 *
 * A query is free text plus optional filters:
 *   gray scot            every word must match some part of an entry, typos allowed
 *   kind:categorical     only categorical (or scalar) datasets
 *   field:v  tag:demo    has a field / a tag of that name (exact, case-insensitive)
 *   steps>=10 steps<30   number of timesteps
 *   features:yes         has a feature index (features:no: has none)
 * Words are matched with MiniSearch (an inverted index: query time grows with
 * the vocabulary, not with the text) against the title, tags, field names,
 * material names, description, URL and every string in the metadata: whole
 * words, prefixes (3+ letters) and typos (words of 4+ letters, edit distance
 * up to a quarter of the word, at most 3). Every word must match; entries are
 * ranked by BM25 relevance with the parts weighted as in BOOST.
 */
import MiniSearch from "minisearch";
import { jsonDepth, MAX_JSON_DEPTH } from "../format/json-depth";
import { FlatvoxError } from "../shared/errors";
import {
  CATALOG_VERSION,
  type Catalog,
  type CatalogEntry,
  type CatalogField,
  type MaterialShare,
  type ScalarSeries,
} from "./types";

export interface CatalogFilters {
  kind?: "scalar" | "categorical";
  field?: string[];
  tag?: string[];
  minSteps?: number;
  maxSteps?: number;
  features?: boolean;
}

export interface CatalogHit {
  entry: CatalogEntry;
  /** Relevance (BM25 with part weights; higher is better; 0 for a query without words). */
  score: number;
  /** Which parts matched (title, tags, fields, materials, description, url, metadata). */
  matched: string[];
}

export interface SearchOptions extends CatalogFilters {
  /** At most this many hits (default: all). */
  limit?: number;
}

/** Weight of a match in each part of an entry. */
const BOOST: Record<string, number> = {
  title: 3,
  tags: 2,
  fields: 2,
  materials: 1.5,
  description: 1,
  url: 1,
  metadata: 0.7,
};
const PARTS = Object.keys(BOOST);

type Doc = { id: number } & Record<string, string | number>;

/** Every string in a JSON value (keys excluded), depth- and count-bounded. */
function strings(v: unknown, out: string[] = [], depth = 0): string[] {
  if (out.length >= 256 || depth > 8) return out;
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out, depth + 1);
  else if (v && typeof v === "object") for (const x of Object.values(v)) strings(x, out, depth + 1);
  return out;
}

function toDoc(e: CatalogEntry, id: number): Doc {
  return {
    id,
    title: e.title,
    tags: e.tags.join(" "),
    fields: e.fields.map((f) => `${f.name} ${f.description}`).join(" "),
    materials: e.fields.flatMap((f) => f.stats?.materials?.map((m) => m.name) ?? []).join(" "),
    description: e.description,
    url: e.url,
    metadata: strings(e.metadata).join(" "),
  };
}

const FILTER = /^(kind|field|tag|features):(.+)$|^steps(>=|<=|>|<|=)(\d+)$/i;

/** Split a query into its free words and its filters. */
export function parseQuery(query: string): { words: string[]; filters: CatalogFilters } {
  const words: string[] = [];
  const filters: CatalogFilters = {};
  for (const token of query.trim().split(/\s+/).filter(Boolean)) {
    const m = FILTER.exec(token);
    if (!m) {
      words.push(token);
      continue;
    }
    if (m[1]) {
      const key = m[1].toLowerCase();
      const value = m[2];
      if (key === "kind") {
        const k = value.toLowerCase();
        if (k === "scalar" || k === "categorical") filters.kind = k;
        else if (k === "material" || k === "materials") filters.kind = "categorical";
        else throw new FlatvoxError("QueryError", `kind must be scalar or categorical, got '${value}'`);
      } else if (key === "field") filters.field = [...(filters.field ?? []), value];
      else if (key === "tag") filters.tag = [...(filters.tag ?? []), value];
      else {
        const yes = /^(yes|true|1)$/i.test(value);
        if (!yes && !/^(no|false|0)$/i.test(value))
          throw new FlatvoxError("QueryError", `features must be yes or no, got '${value}'`);
        filters.features = yes;
      }
    } else {
      const n = Number(m[4]);
      const op = m[3];
      if (op === ">=" || op === "=") filters.minSteps = Math.max(filters.minSteps ?? 0, n);
      if (op === ">") filters.minSteps = Math.max(filters.minSteps ?? 0, n + 1);
      if (op === "<=" || op === "=") filters.maxSteps = Math.min(filters.maxSteps ?? Infinity, n);
      if (op === "<") filters.maxSteps = Math.min(filters.maxSteps ?? Infinity, n - 1);
    }
  }
  return { words, filters };
}

const lower = (s: string) => s.toLowerCase();

function passes(e: CatalogEntry, f: CatalogFilters): boolean {
  if (f.kind && e.kind !== f.kind) return false;
  const steps = e.times?.count;
  if (f.minSteps !== undefined && (steps === undefined || steps < f.minSteps)) return false;
  if (f.maxSteps !== undefined && (steps === undefined || steps > f.maxSteps)) return false;
  if (f.features !== undefined && (e.features !== undefined && e.features.count > 0) !== f.features)
    return false;
  if (f.field?.some((n) => !e.fields.some((x) => lower(x.name) === lower(n)))) return false;
  if (f.tag?.some((n) => !e.tags.some((x) => lower(x) === lower(n)))) return false;
  return true;
}

/** A reusable index over a catalog (build once, search as the user types). */
export class CatalogIndex {
  private readonly index = new MiniSearch<Doc>({ fields: PARTS, storeFields: [] });

  constructor(readonly catalog: Catalog) {
    this.index.addAll(catalog.datasets.map((e, i) => toDoc(e, i)));
  }

  search(query: string, opts: SearchOptions = {}): CatalogHit[] {
    const { words, filters } = parseQuery(query);
    const f: CatalogFilters = {
      ...filters,
      ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => k !== "limit" && v !== undefined)),
    };
    const all = this.catalog.datasets;
    let hits: CatalogHit[];
    if (words.length === 0) {
      hits = all.map((entry) => ({ entry, score: 0, matched: [] }));
    } else {
      hits = this.index
        .search(words.join(" "), {
          combineWith: "AND",
          boost: BOOST,
          prefix: (term) => term.length >= 3,
          fuzzy: (term) => (term.length >= 4 ? 0.25 : false),
          maxFuzzy: 3,
        })
        .map((r) => {
          const parts = new Set(Object.values(r.match).flat());
          return { entry: all[r.id as number], score: r.score, matched: PARTS.filter((p) => parts.has(p)) };
        });
    }
    hits = hits.filter((h) => passes(h.entry, f));
    return opts.limit !== undefined ? hits.slice(0, opts.limit) : hits;
  }
}

export function searchCatalog(catalog: Catalog, query: string, opts: SearchOptions = {}): CatalogHit[] {
  return new CatalogIndex(catalog).search(query, opts);
}

// ---------------------------------------------------------------- reading

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const numArr = (v: unknown, n?: number): v is number[] =>
  Array.isArray(v) && (n === undefined || v.length === n) && v.every((x) => typeof x === "number");
/** Numbers where JSON wrote NaN as null (a timestep with no valid voxel). */
const seriesArr = (v: unknown): v is (number | null)[] =>
  Array.isArray(v) && v.every((x) => typeof x === "number" || x === null);
const nanOf = (v: (number | null)[]) => v.map((x) => (x === null ? Number.NaN : x));

function readField(v: unknown, where: string, problems: string[]): CatalogField | undefined {
  if (!isObj(v) || typeof v.name !== "string") {
    problems.push(`${where}: not a field (needs a name)`);
    return undefined;
  }
  const kind = v.kind === "categorical" ? "categorical" : "scalar";
  const field: CatalogField = {
    name: v.name,
    dtype: typeof v.dtype === "string" ? v.dtype : "",
    kind,
    units: typeof v.units === "string" ? v.units : "",
    description: typeof v.description === "string" ? v.description : "",
    range: numArr(v.range, 2) ? (v.range as [number, number]) : null,
  };
  const s = v.stats;
  if (isObj(s) && isNum(s.level)) {
    const series = s.series;
    const mats = s.materials;
    if (isObj(series) && ["min", "max", "mean", "count"].every((k) => seriesArr(series[k]))) {
      const col = (k: keyof ScalarSeries) => nanOf(series[k] as (number | null)[]);
      field.stats = {
        level: s.level,
        exact: s.exact === true,
        series: { min: col("min"), max: col("max"), mean: col("mean"), count: col("count") },
      };
    } else if (
      Array.isArray(mats) &&
      mats.every((m) => isObj(m) && isNum(m.value) && typeof m.name === "string" && numArr(m.fraction))
    ) {
      field.stats = {
        level: s.level,
        exact: s.exact === true,
        materials: mats as unknown as MaterialShare[],
      };
    } else problems.push(`${where}.stats: neither a series nor material shares; ignored`);
  }
  return field;
}

function readEntry(v: unknown, where: string, problems: string[]): CatalogEntry | undefined {
  if (!isObj(v) || typeof v.url !== "string" || v.url === "") {
    problems.push(`${where}: not a dataset (needs a url)`);
    return undefined;
  }
  const url = v.url;
  let metadata = isObj(v.metadata) ? v.metadata : {};
  if (jsonDepth(metadata, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    problems.push(`${where}.metadata: nests more than ${MAX_JSON_DEPTH} levels deep (left out)`);
    metadata = {};
  }
  const fields = Array.isArray(v.fields)
    ? v.fields
        .map((f, i) => readField(f, `${where}.fields[${i}]`, problems))
        .filter((f): f is CatalogField => f !== undefined)
    : [];
  const t = v.times;
  const kind =
    v.kind === "categorical" || v.kind === "material" || fields.some((f) => f.kind === "categorical")
      ? "categorical"
      : "scalar";
  return {
    url,
    title: typeof v.title === "string" && v.title !== "" ? v.title : url,
    description: typeof v.description === "string" ? v.description : "",
    tags: Array.isArray(v.tags) ? v.tags.filter((x): x is string => typeof x === "string") : [],
    kind,
    version: typeof v.version === "string" ? v.version : undefined,
    size: isNum(v.size) ? v.size : undefined,
    etag: typeof v.etag === "string" ? v.etag : undefined,
    dims: numArr(v.dims, 3) ? (v.dims as [number, number, number]) : undefined,
    spacing: numArr(v.spacing, 3) ? (v.spacing as [number, number, number]) : undefined,
    brickSize: isNum(v.brickSize) ? v.brickSize : undefined,
    levels: isNum(v.levels) ? v.levels : undefined,
    times:
      isObj(t) && isNum(t.count) && isNum(t.first) && isNum(t.last)
        ? { count: t.count, first: t.first, last: t.last, units: typeof t.units === "string" ? t.units : "" }
        : undefined,
    fields,
    compressionRatio: isNum(v.compressionRatio) ? v.compressionRatio : undefined,
    dedupRatio: isNum(v.dedupRatio) ? v.dedupRatio : undefined,
    features:
      isObj(v.features) && isNum(v.features.count) && isNum(v.features.tracks)
        ? { count: v.features.count, tracks: v.features.tracks }
        : undefined,
    metadata,
  };
}

/**
 * Check and normalise parsed catalog JSON. A value that is not a catalog at
 * all is a CatalogError; a malformed dataset entry is left out and reported
 * in `problems` (its index and what is wrong), so one bad line does not hide
 * the rest. Hand-written catalogs need only `{ "datasets": [{ "url": … }] }`.
 */
export function readCatalog(json: unknown, source = "catalog"): { catalog: Catalog; problems: string[] } {
  if (!isObj(json) || !Array.isArray(json.datasets))
    throw new FlatvoxError(
      "CatalogError",
      `${source}: not a catalog (expected an object with a "datasets" list)`,
    );
  if (json.version !== undefined && json.version !== CATALOG_VERSION)
    throw new FlatvoxError(
      "CatalogError",
      `${source}: catalog version ${String(json.version)} is not supported (this reader knows ${CATALOG_VERSION})`,
    );
  const problems: string[] = [];
  const datasets = json.datasets
    .map((d, i) => readEntry(d, `datasets[${i}]`, problems))
    .filter((d): d is CatalogEntry => d !== undefined);
  const failed = Array.isArray(json.failed)
    ? json.failed.filter(isObj).map((f) => ({
        source: String(f.source ?? ""),
        error: String(f.error ?? ""),
        message: String(f.message ?? ""),
      }))
    : [];
  return {
    catalog: {
      version: CATALOG_VERSION,
      generated: typeof json.generated === "string" ? json.generated : "",
      datasets,
      failed,
    },
    problems,
  };
}

/** Catalog JSON as `catalog build` writes it: indented, with number lists on one line. */
export function catalogJson(c: Catalog): string {
  const inline: string[] = [];
  const text = JSON.stringify(
    c,
    (_k, v) =>
      Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number")
        ? `\u0000${inline.push(JSON.stringify(v)) - 1}`
        : v,
    2,
  );
  return `${text.replace(/"\\u0000(\d+)"/g, (_m, i: string) => inline[Number(i)])}\n`;
}

/** Parse catalog text (JSON) with a CatalogError naming the position on a syntax error. */
export function parseCatalog(text: string, source = "catalog"): { catalog: Catalog; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FlatvoxError("CatalogError", `${source}: not JSON (${(e as Error).message})`);
  }
  return readCatalog(json, source);
}
