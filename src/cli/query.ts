/**
 * `flatvox query <file-or-url>`: feature queries through the same API as the
 * library (ds.features / ds.explainFeatures / ds.track). Boxes are level-0
 * voxel boxes, times are the dataset's time values.
 */
import type { Command } from "commander";
import type { WhereCondition } from "../index/feature-index-reader";
import type { Feature, Track } from "../index/feature-types";
import { OPS, type Op } from "../index/key-codec";
import { createSource } from "../io/create-source";
import { openDataset } from "../reader";
import type { DatasetFeatureQuery, Explain } from "../reader/features";
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import { parseInteger, parseNumberList } from "./arg-parsers";

export interface QueryCliOptions {
  box?: string;
  time?: string;
  where?: string[];
  limit?: string;
  json?: boolean;
  explain?: boolean;
  track?: string;
  /** Keep fetched ranges in this directory; a later query reuses them (and works offline). */
  cacheDir?: string;
}

export interface QueryResult {
  query: DatasetFeatureQuery;
  features?: Feature[];
  explain?: Explain;
  track?: (Track & { features: Feature[] }) | null;
}

const usage = (m: string) => new FlatvoxError("InputError", m);

/**
 * "prop op value": the longest operator that splits the text wins (so `>=`
 * is not read as `>`); a value that parses as a number is a number, a quoted
 * value is always a string.
 */
export function parseWhere(text: string): WhereCondition {
  const ops = [...OPS].sort((a, b) => b.length - a.length);
  let best: { at: number; op: Op } | undefined;
  for (const op of ops) {
    const at = text.indexOf(op);
    if (at > 0 && (!best || at < best.at || (at === best.at && op.length > best.op.length)))
      best = { at, op };
  }
  if (!best)
    throw usage(`--where: expected "property op value" with op one of ${OPS.join(" ")}, got '${text}'`);
  const prop = text.slice(0, best.at).trim();
  const raw = text.slice(best.at + best.op.length).trim();
  if (!prop || raw === "") throw usage(`--where: expected "property op value", got '${text}'`);
  const quoted = /^(["']).*\1$/.test(raw);
  const num = Number(raw);
  const value = quoted ? raw.slice(1, -1) : raw !== "" && Number.isFinite(num) ? num : raw;
  return [prop, best.op, value];
}

export function buildQuery(o: QueryCliOptions): DatasetFeatureQuery {
  const q: DatasetFeatureQuery = {};
  if (o.box !== undefined) {
    const v = parseNumberList(o.box, "--box");
    if (v.length !== 6) throw usage(`--box: expected x0,y0,z0,x1,y1,z1, got '${o.box}'`);
    q.box = { min: v.slice(0, 3) as Vec3, max: v.slice(3) as Vec3 };
  }
  if (o.time !== undefined) {
    const v = parseNumberList(o.time, "--time");
    if (v.length === 1) q.time = [v[0], v[0]];
    else if (v.length === 2) q.time = [v[0], v[1]];
    else throw usage(`--time: expected t or t0,t1 (time values), got '${o.time}'`);
  }
  if (o.where?.length) q.where = o.where.map(parseWhere);
  const limit = parseInteger(o.limit, "--limit", 0, Number.MAX_SAFE_INTEGER);
  if (limit !== undefined) q.limit = limit;
  return q;
}

/** Run the query against a file path or URL; what `flatvox query` prints, as data. */
export async function runQuery(target: string, o: QueryCliOptions): Promise<QueryResult> {
  const ds = await openDataset(createSource(target), o.cacheDir ? { cache: { dir: o.cacheDir } } : {});
  try {
    const query = buildQuery(o);
    if (o.track !== undefined) {
      const id = parseInteger(o.track, "--track", 0, 2 ** 32 - 1) as number;
      return { query, track: (await ds.track(id)) ?? null };
    }
    if (o.explain) {
      const explain = await ds.explainFeatures(query);
      return { query, explain };
    }
    return { query, features: await ds.features(query) };
  } finally {
    await ds.source.close?.();
  }
}

const fmt = (v: unknown): string =>
  typeof v === "number"
    ? Number.isInteger(v)
      ? String(v)
      : v.toPrecision(6).replace(/\.?0+$/, "")
    : String(v);

/** A plain-text table of features (strings are printed as text, never interpreted). */
export function formatFeatures(features: Feature[]): string {
  const head = ["id", "type", "timestep", "time", "track", "box min", "box max", "voxels", "peak"];
  const rows = features.map((f) => [
    fmt(f.id),
    f.type,
    fmt(f.timestep),
    f.time[0] === f.time[1] ? fmt(f.time[0]) : `${fmt(f.time[0])}..${fmt(f.time[1])}`,
    f.track < 0 ? "-" : fmt(f.track),
    f.box.min.map(fmt).join(","),
    f.box.max.map(fmt).join(","),
    fmt(f.properties.voxels ?? "-"),
    fmt(f.properties.peak ?? "-"),
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(width[i]))
      .join("  ")
      .trimEnd();
  return [
    line(head),
    ...rows.map(line),
    `${features.length} feature${features.length === 1 ? "" : "s"}`,
  ].join("\n");
}

export function formatExplain(e: Explain): string {
  const lines = [
    `plan (${e.planner ? "planner on" : "planner off"}${e.fullScan ? ", full scan" : ""})`,
    ...e.steps.map(
      (s) =>
        `  ${s.method.padEnd(11)} ${s.condition.padEnd(40)} est ${fmt(Math.round(s.estimate))}${s.candidates === undefined ? "" : ` → ${s.candidates}`}  ${s.requests} req, ${s.bytes} B`,
    ),
    `records   ${e.fetched} fetched, ${e.results} matched; ${e.recordRequests} req, ${e.recordBytes} B`,
    `total     ${e.requests} requests, ${e.bytes} bytes`,
  ];
  return lines.join("\n");
}

export function formatTrack(t: (Track & { features: Feature[] }) | null): string {
  if (!t) return "no such track";
  return [
    `track ${t.id}  ${t.type}  ${t.fate}`,
    `  birth step ${t.birth.timestep} (time ${fmt(t.birth.time)}), death step ${t.death.timestep} (time ${fmt(t.death.time)})`,
    `  parents ${t.parents.join(",") || "-"}  children ${t.children.join(",") || "-"}`,
    formatFeatures(t.features),
  ].join("\n");
}

export function formatResult(r: QueryResult, json = false): string {
  if (json) {
    const body = r.track !== undefined ? r.track : (r.explain ?? r.features);
    return JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
  }
  if (r.track !== undefined) return formatTrack(r.track);
  if (r.explain) return formatExplain(r.explain);
  return formatFeatures(r.features ?? []);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  program
    .command("query")
    .description("query a dataset's features by box, time range and properties (same API as ds.features)")
    .argument("<file-or-url>", ".fvx file path or http(s) URL")
    .option("--box <x0,y0,z0,x1,y1,z1>", "level-0 voxel box, half-open")
    .option("--time <t0,t1>", "closed range of time values (as in the dataset's times)")
    .option(
      "--where <condition>",
      'property condition, e.g. "type = spot" or "peak >= 0.4" (repeatable)',
      collect,
    )
    .option("--limit <n>", "at most n features")
    .option("--json", "print JSON")
    .option("--explain", "print the query plan with estimates, requests and bytes")
    .option("--track <id>", "print one track with its features")
    .option(
      "--cache-dir <dir>",
      "keep fetched byte ranges in this directory (reused by later queries, offline too)",
    )
    .action(async (target: string, o: QueryCliOptions) => {
      console.log(formatResult(await runQuery(target, o), o.json));
    });
}
