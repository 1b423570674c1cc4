/**
 * The header section: a UTF-8 JSON object describing the dataset. JSON keeps
 * free-form metadata and later minor-version keys easy (readers ignore keys
 * they do not know); every key a reader relies on is validated here.
 */
import { FlatvoxError } from "../shared/errors";
import { DTYPES, type DType, type FieldKind, type Vec3 } from "../shared/types";
import { LIMITS } from "./constants";
import { levelGeometry } from "./grid";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface FieldInfo {
  name: string;
  dtype: DType;
  kind: FieldKind;
  units: string;
  /**
   * Value meaning "no data" (excluded from ranges and stats, never drawn), or
   * null for none. For f32 fields NaN is always no data as well.
   */
  fill: number | null;
  description: string;
  /** [min, max] over all timesteps of valid voxels (not fill, not NaN; ±Inf count); null when there are none. */
  range: [number, number] | null;
  /** The input variable's attributes (units, long_name, CF attributes, user attributes). */
  attributes?: Record<string, JsonValue>;
}

export interface PackSummary {
  bricks: number;
  uniform: number;
  dedup: number;
  delta: number;
  /** Decoded bytes of all level-0 bricks (the input size). */
  inputBytes: number;
  /** Stored bytes of all bricks (dedup counted once). */
  brickBytes: number;
  /** Stored bytes that deduplicated bricks would have needed again. */
  dedupBytes?: number;
}

/** Where the grid sits in the world. */
export interface GridPlacement {
  dims: Vec3;
  origin: Vec3;
  spacing: Vec3;
  /**
   * Index-to-world affine, 12 numbers row-major (3×4), world = M·(p, 1) with p
   * the continuous grid position (voxel i spans [i, i+1)). Absent: world =
   * origin + spacing·p. When present it is authoritative (origin and spacing
   * are its axis-aligned summary).
   */
  transform?: number[];
}

export interface Header extends GridPlacement {
  /** Length unit of world coordinates ("" when unknown). */
  spaceUnits: string;
  fields: FieldInfo[];
  timeCount: number;
  timeUnits: string;
  /** CF calendar of "<unit> since <date>" time units ("" when none). */
  timeCalendar: string;
  brickSize: number;
  levelCount: number;
  order: "morton";
  metadata: Record<string, JsonValue>;
  /** True when the metadata lives in the METADATA section instead (it was too large for the header). */
  metadataSection?: boolean;
  summary?: PackSummary;
  writer?: string;
}

/** Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity". */
export function jsonNumber(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

function readNumber(v: unknown, what: string, offset: number): number {
  if (typeof v === "number") return v;
  if (v === "NaN" || v === "Infinity" || v === "-Infinity") return Number(v);
  throw new FlatvoxError("FormatError", `header: ${what} is not a number`, { section: "header", offset });
}

export function encodeHeader(h: Header): Uint8Array {
  const json = {
    ...h,
    fields: h.fields.map((f) => ({
      ...f,
      fill: f.fill === null ? null : jsonNumber(f.fill),
      range: f.range === null ? null : [jsonNumber(f.range[0]), jsonNumber(f.range[1])],
    })),
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

/**
 * Parse and validate header bytes found at file offset `offset`. `major` is
 * the file's format version: in 1.x a field without `fill` had fill 0; from
 * 2.0 it has none.
 */
export function decodeHeader(bytes: Uint8Array, offset: number, major = 2): Header {
  const fail = (msg: string): never => {
    throw new FlatvoxError("FormatError", `header: ${msg}`, {
      section: "header",
      offset,
      length: bytes.length,
    });
  };
  if (bytes.length > LIMITS.maxHeaderBytes) {
    throw new FlatvoxError("LimitError", "header larger than the open block", { section: "header", offset });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    return fail(`not valid UTF-8 JSON (${(e as Error)?.message ?? e})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail("not a JSON object");
  const o = raw as Record<string, unknown>;
  const vec = (v: unknown, what: string, check: (n: number) => boolean): Vec3 => {
    if (!Array.isArray(v) || v.length !== 3) return fail(`${what} must be 3 numbers`);
    const out = v.map((x) => readNumber(x, what, offset)) as Vec3;
    if (!out.every(check)) return fail(`${what} out of range: ${JSON.stringify(v)}`);
    return out;
  };
  const str = (v: unknown, what: string, dflt = ""): string => {
    if (v === undefined) return dflt;
    if (typeof v !== "string" || v.length > 4096) return fail(`${what} must be a string`);
    return v;
  };
  const isInt = (n: number, lo: number, hi: number) => Number.isInteger(n) && n >= lo && n <= hi;
  const dims = o.dims;
  if (
    Array.isArray(dims) &&
    dims.length === 3 &&
    dims.some((d) => typeof d === "number" && d > LIMITS.maxDim)
  ) {
    throw new FlatvoxError("LimitError", `header: dims ${JSON.stringify(dims)} beyond ${LIMITS.maxDim}`, {
      section: "header",
      offset,
    });
  }
  const header: Header = {
    dims: vec(dims, "dims", (n) => isInt(n, 1, LIMITS.maxDim)),
    origin: vec(o.origin ?? [0, 0, 0], "origin", Number.isFinite),
    spacing: vec(o.spacing ?? [1, 1, 1], "spacing", (n) => Number.isFinite(n) && n > 0),
    spaceUnits: str(o.spaceUnits, "spaceUnits"),
    fields: [],
    timeCount: 0,
    timeUnits: str(o.timeUnits, "timeUnits"),
    timeCalendar: str(o.timeCalendar, "timeCalendar"),
    brickSize: 0,
    levelCount: 0,
    order: "morton",
    metadata: {},
  };
  if (!Array.isArray(o.fields) || o.fields.length === 0) return fail("fields must be a non-empty array");
  if (o.fields.length > LIMITS.maxFields) {
    throw new FlatvoxError("LimitError", `header: ${o.fields.length} fields`, { section: "header", offset });
  }
  const names = new Set<string>();
  for (const f of o.fields as unknown[]) {
    if (typeof f !== "object" || f === null) return fail("field must be an object");
    const r = f as Record<string, unknown>;
    const name = str(r.name, "field name");
    if (!name || names.has(name)) return fail(`field name ${JSON.stringify(name)} empty or repeated`);
    names.add(name);
    if (!DTYPES.includes(r.dtype as DType))
      return fail(`field ${name}: unknown dtype ${JSON.stringify(r.dtype)}`);
    if (r.kind !== "scalar" && r.kind !== "categorical") return fail(`field ${name}: unknown kind`);
    let range: [number, number] | null = null;
    if (r.range !== undefined && r.range !== null) {
      if (!Array.isArray(r.range) || r.range.length !== 2) return fail(`field ${name}: bad range`);
      range = [readNumber(r.range[0], "range", offset), readNumber(r.range[1], "range", offset)];
    }
    const fill =
      r.fill === undefined
        ? major < 2
          ? 0
          : null
        : r.fill === null
          ? null
          : readNumber(r.fill, "fill", offset);
    const info: FieldInfo = {
      name,
      dtype: r.dtype as DType,
      kind: r.kind,
      units: str(r.units, "units"),
      fill,
      description: str(r.description, "description"),
      range,
    };
    if (r.attributes !== undefined) {
      if (typeof r.attributes !== "object" || r.attributes === null || Array.isArray(r.attributes))
        return fail(`field ${name}: attributes must be an object`);
      info.attributes = r.attributes as Record<string, JsonValue>;
    }
    header.fields.push(info);
  }
  const tc = o.timeCount;
  if (typeof tc !== "number" || !Number.isInteger(tc) || tc < 1)
    return fail("timeCount must be a positive integer");
  if (tc > LIMITS.maxTimesteps) {
    throw new FlatvoxError("LimitError", `header: ${tc} timesteps`, { section: "header", offset });
  }
  header.timeCount = tc;
  const bs = o.brickSize;
  if (
    typeof bs !== "number" ||
    !isInt(bs, LIMITS.minBrickSize, LIMITS.maxBrickSize) ||
    (bs & (bs - 1)) !== 0
  ) {
    return fail(`brickSize ${JSON.stringify(bs)} is not a power of two in 16..256`);
  }
  header.brickSize = bs;
  const levels = levelGeometry(header.dims, bs).length;
  if (o.levelCount !== levels)
    return fail(`levelCount ${JSON.stringify(o.levelCount)} but the grid implies ${levels}`);
  header.levelCount = levels;
  if (o.order !== undefined && o.order !== "morton")
    return fail(`unknown brick order ${JSON.stringify(o.order)}`);
  if (o.transform !== undefined) {
    const m = o.transform;
    if (!Array.isArray(m) || m.length !== 12 || !m.every((x) => typeof x === "number" && Number.isFinite(x)))
      return fail("transform must be 12 finite numbers (a row-major 3×4 affine)");
    if (!(Math.abs(det3(m as number[])) > 0)) return fail("transform is singular");
    header.transform = m as number[];
  }
  if (o.metadata !== undefined) {
    if (typeof o.metadata !== "object" || o.metadata === null || Array.isArray(o.metadata)) {
      return fail("metadata must be an object");
    }
    header.metadata = o.metadata as Record<string, JsonValue>;
  }
  if (typeof o.summary === "object" && o.summary !== null) {
    const s = o.summary as Record<string, unknown>;
    const keys = ["bricks", "uniform", "dedup", "delta", "inputBytes", "brickBytes"] as const;
    if (keys.every((k) => typeof s[k] === "number")) header.summary = s as unknown as PackSummary;
  }
  if (typeof o.writer === "string") header.writer = o.writer;
  if (o.metadataSection === true) header.metadataSection = true;
  return header;
}

/** Determinant of the 3×3 linear part of a row-major 3×4 affine. */
export function det3(m: ArrayLike<number>): number {
  return (
    m[0] * (m[5] * m[10] - m[6] * m[9]) -
    m[1] * (m[4] * m[10] - m[6] * m[8]) +
    m[2] * (m[4] * m[9] - m[5] * m[8])
  );
}
