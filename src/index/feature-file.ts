/**
 * Features detected by the user's own code, from JSON or CSV.
 *
 * JSON: an array (or `{ "features": [...] }`) of objects with `type`, `box`
 * (`{min:[x,y,z], max:[x,y,z]}`), optional `id`, `timestep`, `time` (number or
 * [t0, t1]), `voxels`, `peak`, `mean`, `centroid`, `track`, `properties`.
 * CSV: a header row; columns id, type, timestep, time | t0,t1, min_x..max_z,
 * voxels, peak, mean, cx, cy, cz, track are recognised; any other column
 * becomes a property (a number when it parses as one, else a string).
 */
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import type { FeatureInstance, PropValue } from "./feature-types";

/**
 * `times` (the dataset's time values): a feature with a timestep but no time
 * gets that timestep's time value, and timesteps must exist. Without it the
 * timestep itself stands in for the time.
 */
export function parseFeatureFile(text: string, format: "json" | "csv", times?: number[]): FeatureInstance[] {
  const list = format === "json" ? parseJson(text) : parseCsv(text);
  if (times) {
    list.forEach((f, i) => {
      if (f.timestep === undefined) return;
      const ts = f.timestep;
      if (!Number.isInteger(ts) || ts < 0 || ts >= times.length)
        throw bad(`timestep ${ts} outside 0..${times.length - 1}`, `features[${i}]`);
      if (f.time && f.time[0] === ts && f.time[1] === ts && !f.explicitTime) f.time = [times[ts], times[ts]];
    });
  }
  for (const f of list) delete f.explicitTime;
  return list;
}

function bad(msg: string, where: string): FlatvoxError {
  return new FlatvoxError("InputError", `feature file: ${msg}`, { section: where });
}

function num(v: unknown, what: string, where: string, dflt?: number): number {
  if (v === undefined || v === null || v === "") {
    if (dflt !== undefined) return dflt;
    throw bad(`missing ${what}`, where);
  }
  const n = typeof v === "number" ? v : Number(v);
  if (typeof v === "boolean" || Number.isNaN(n)) throw bad(`${what} is not a number`, where);
  return n;
}

function vec(v: unknown, what: string, where: string): Vec3 {
  if (!Array.isArray(v) || v.length !== 3) throw bad(`${what} must be [x, y, z]`, where);
  return [num(v[0], what, where), num(v[1], what, where), num(v[2], what, where)];
}

type Parsed = FeatureInstance & { explicitTime?: boolean };

function finish(
  raw: {
    id?: number;
    type: string;
    min: Vec3;
    max: Vec3;
    timestep?: number;
    time?: [number, number];
    voxels?: number;
    peak?: number;
    mean?: number;
    centroid?: Vec3;
    track?: number;
    properties: Record<string, PropValue>;
  },
  index: number,
  where: string,
): Parsed {
  for (let k = 0; k < 3; k++) {
    if (!(raw.min[k] <= raw.max[k])) throw bad("box min must be <= max", where);
  }
  if (raw.time && !(raw.time[0] <= raw.time[1])) throw bad("time t0 must be <= t1", where);
  const centroid = raw.centroid ?? [0, 1, 2].map((k) => (raw.min[k] + raw.max[k]) / 2);
  return {
    id: raw.id ?? index,
    type: raw.type,
    box: { min: raw.min, max: raw.max },
    voxels: raw.voxels ?? 0,
    peak: raw.peak ?? Number.NaN,
    mean: raw.mean ?? Number.NaN,
    centroid: centroid as Vec3,
    timestep: raw.timestep,
    time: raw.time ?? (raw.timestep !== undefined ? [raw.timestep, raw.timestep] : undefined),
    track: raw.track,
    properties: raw.properties,
    explicitTime: raw.time !== undefined,
  };
}

function parseJson(text: string): Parsed[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(`invalid JSON (${(e as Error).message})`, "json");
  }
  const list = Array.isArray(doc) ? doc : (doc as { features?: unknown })?.features;
  if (!Array.isArray(list)) throw bad("expected an array of features or {features: [...]}", "json");
  return list.map((o, i) => {
    const where = `features[${i}]`;
    if (typeof o !== "object" || o === null) throw bad("feature must be an object", where);
    const f = o as Record<string, unknown>;
    const box = f.box as { min?: unknown; max?: unknown } | undefined;
    if (!box) throw bad("missing box", where);
    if (typeof f.type !== "string") throw bad("missing type", where);
    const t = f.time;
    const time: [number, number] | undefined =
      t === undefined
        ? undefined
        : Array.isArray(t)
          ? [num(t[0], "time", where), num(t[1], "time", where)]
          : [num(t, "time", where), num(t, "time", where)];
    const props: Record<string, PropValue> = {};
    const p = f.properties;
    if (p !== undefined) {
      if (typeof p !== "object" || p === null || Array.isArray(p))
        throw bad("properties must be an object", where);
      for (const [k, v] of Object.entries(p)) {
        if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean")
          props[k] = v;
        else throw bad(`property ${k} must be a number, string, boolean or null`, where);
      }
    }
    return finish(
      {
        id: f.id === undefined ? undefined : num(f.id, "id", where),
        type: f.type,
        min: vec(box.min, "box.min", where),
        max: vec(box.max, "box.max", where),
        timestep: f.timestep === undefined ? undefined : num(f.timestep, "timestep", where),
        time,
        voxels: f.voxels === undefined ? undefined : num(f.voxels, "voxels", where),
        peak: f.peak === undefined ? undefined : num(f.peak, "peak", where),
        mean: f.mean === undefined ? undefined : num(f.mean, "mean", where),
        centroid: f.centroid === undefined ? undefined : vec(f.centroid, "centroid", where),
        track: f.track === undefined ? undefined : num(f.track, "track", where),
        properties: props,
      },
      i,
      where,
    );
  });
}

/** RFC 4180-ish CSV: quoted fields with "" escapes, CRLF or LF line ends. */
export function splitCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      field = "";
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
    } else field += ch;
  }
  if (quoted) throw bad("unterminated quoted field", "csv");
  row.push(field);
  if (row.length > 1 || row[0] !== "") rows.push(row);
  return rows;
}

const KNOWN = new Set([
  "id",
  "type",
  "timestep",
  "time",
  "t0",
  "t1",
  "min_x",
  "min_y",
  "min_z",
  "max_x",
  "max_y",
  "max_z",
  "voxels",
  "peak",
  "mean",
  "cx",
  "cy",
  "cz",
  "track",
]);

function parseCsv(text: string): Parsed[] {
  const rows = splitCsv(text);
  if (rows.length === 0) return [];
  const header = rows[0].map((h) => h.trim());
  const col = new Map(header.map((h, i) => [h, i]));
  for (const need of ["type", "min_x", "min_y", "min_z", "max_x", "max_y", "max_z"]) {
    if (!col.has(need)) throw bad(`missing column ${need}`, "csv header");
  }
  return rows.slice(1).map((r, i) => {
    const where = `csv line ${i + 2}`;
    if (r.length !== header.length) throw bad(`expected ${header.length} fields, got ${r.length}`, where);
    const get = (name: string): string | undefined => {
      const c = col.get(name);
      return c === undefined ? undefined : r[c];
    };
    const opt = (name: string): number | undefined => {
      const v = get(name);
      return v === undefined || v === "" ? undefined : num(v, name, where);
    };
    const props: Record<string, PropValue> = {};
    header.forEach((h, c) => {
      if (KNOWN.has(h)) return;
      const v = r[c];
      const n = Number(v);
      props[h] = v === "" ? null : Number.isNaN(n) && v.trim() !== "NaN" ? v : n;
    });
    const t = opt("time");
    const t0 = opt("t0");
    const time: [number, number] | undefined =
      t !== undefined ? [t, t] : t0 !== undefined ? [t0, opt("t1") ?? t0] : undefined;
    const cx = opt("cx");
    return finish(
      {
        id: opt("id"),
        type: get("type") as string,
        min: [
          num(get("min_x"), "min_x", where),
          num(get("min_y"), "min_y", where),
          num(get("min_z"), "min_z", where),
        ],
        max: [
          num(get("max_x"), "max_x", where),
          num(get("max_y"), "max_y", where),
          num(get("max_z"), "max_z", where),
        ],
        timestep: opt("timestep"),
        time,
        voxels: opt("voxels"),
        peak: opt("peak"),
        mean: opt("mean"),
        centroid: cx === undefined ? undefined : [cx, opt("cy") ?? 0, opt("cz") ?? 0],
        track: opt("track"),
        properties: props,
      },
      i,
      where,
    );
  });
}
