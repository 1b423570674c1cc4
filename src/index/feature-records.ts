/**
 * Binary records for features and tracks. Each record is framed as
 * u32 checksum(body) | u32 body length | body, and starts 8-byte aligned so a
 * reference fits in two u32s: (offset / 8, total length).
 */
import { ByteCursor, type ByteWriter, utf8 } from "./bytes";
import { checksum } from "./checksum";
import type { Feature, FeatureBox, PropValue, Track, TrackFate } from "./feature-types";
import { indexError } from "./index-error";
import type { KeyType } from "./key-codec";

export const RECORD_ALIGN = 8;
const FATES: TrackFate[] = ["active", "dissipated", "merged", "split"];

const TAG = { null: 0, f64: 1, f32: 2, u32: 3, i64: 4, string: 5, bool: 6, datetime: 7 } as const;

/** How a property is stored: indexed ones by their key type, others by their JS type. */
export type PropKinds = Record<string, KeyType | undefined>;

export function writeFeatureRecord(w: ByteWriter, f: Feature, kinds: PropKinds): { a: number; b: number } {
  const start = openFrame(w);
  w.f64(f.id);
  w.i32(f.track);
  w.i32(f.timestep);
  w.f64(f.time[0]);
  w.f64(f.time[1]);
  for (const v of f.box.min) w.f64(v);
  for (const v of f.box.max) w.f64(v);
  w.str16(f.type);
  const names = Object.keys(f.properties);
  w.u16(names.length);
  for (const name of names) {
    w.str16(name);
    writeValue(w, f.properties[name], kinds[name]);
  }
  return seal(w, start);
}

/** Start a record: aligned, checksum and length to be filled by seal(), version 1. Returns its offset. */
function openFrame(w: ByteWriter): number {
  w.pad(RECORD_ALIGN);
  const start = w.length;
  w.u32(0);
  w.u32(0);
  w.u8(1);
  return start;
}

function seal(w: ByteWriter, start: number): { a: number; b: number } {
  const bodyLen = w.length - start - 8;
  w.setU32(start + 4, bodyLen);
  w.setU32(start, checksum(w.peek(), start + 8, w.length));
  return { a: start / RECORD_ALIGN, b: bodyLen + 8 };
}

function writeValue(w: ByteWriter, v: PropValue, kind: KeyType | undefined): void {
  if (v === null || v === undefined) {
    w.u8(TAG.null);
    return;
  }
  switch (kind) {
    case "f32":
      w.u8(TAG.f32);
      w.f32(v as number);
      return;
    case "u32":
      w.u8(TAG.u32);
      w.u32(v as number);
      return;
    case "i64":
      w.u8(TAG.i64);
      w.i64(BigInt(v as bigint));
      return;
    case "datetime":
      w.u8(TAG.datetime);
      w.f64(v as number);
      return;
    default:
      break;
  }
  if (typeof v === "number") {
    w.u8(TAG.f64);
    w.f64(v);
  } else if (typeof v === "bigint") {
    w.u8(TAG.i64);
    w.i64(v);
  } else if (typeof v === "boolean") {
    w.u8(TAG.bool);
    w.u8(v ? 1 : 0);
  } else {
    w.u8(TAG.string);
    const b = utf8(v);
    w.u32(b.length);
    w.bytes(b);
  }
}

function readValue(r: ByteCursor): PropValue {
  switch (r.u8()) {
    case TAG.null:
      return null;
    case TAG.f64:
    case TAG.datetime:
      return r.f64();
    case TAG.f32:
      return r.f32();
    case TAG.u32:
      return r.u32();
    case TAG.i64:
      return r.i64();
    case TAG.string:
      return new TextDecoder().decode(r.take(r.u32()));
    case TAG.bool:
      return r.u8() === 1;
    default:
      throw new Error("unknown property tag");
  }
}

/** Verify a record's frame and checksum; returns the body. `at` is its absolute file offset (for errors). */
export function openRecord(bytes: Uint8Array, label: string, at: number): Uint8Array {
  if (bytes.length < 8) throw indexError(label, at, "truncated record", bytes.length);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint32(4, true);
  if (len + 8 !== bytes.length)
    throw indexError(label, at, `record length ${len + 8} does not match its reference ${bytes.length}`);
  const body = bytes.subarray(8);
  if (dv.getUint32(0, true) !== checksum(body))
    throw indexError(label, at, "record checksum mismatch", bytes.length);
  return body;
}

export function readFeatureRecord(bytes: Uint8Array, label: string, at: number): Feature {
  const r = new ByteCursor(openRecord(bytes, label, at));
  try {
    if (r.u8() !== 1) throw indexError(label, at, "unknown record version");
    const id = r.f64();
    const track = r.i32();
    const timestep = r.i32();
    const time: [number, number] = [r.f64(), r.f64()];
    const box: FeatureBox = { min: [r.f64(), r.f64(), r.f64()], max: [r.f64(), r.f64(), r.f64()] };
    const type = r.str16();
    const n = r.u16();
    const properties: Record<string, PropValue> = {};
    for (let i = 0; i < n; i++) {
      const name = r.str16();
      properties[name] = readValue(r);
    }
    return { id, type, box, time, timestep, track, properties };
  } catch (e) {
    if (e instanceof RangeError || (e instanceof Error && e.message === "unknown property tag")) {
      throw indexError(label, at, "malformed record");
    }
    throw e;
  }
}

/**
 * The `count` feature records of one run (records stored back to back, each
 * 8-byte aligned). `at` is the run's absolute file offset (for errors).
 */
export function readFeatureRun(bytes: Uint8Array, count: number, label: string, at: number): Feature[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Feature[] = new Array(count);
  let pos = 0;
  let end = 0;
  for (let k = 0; k < count; k++) {
    if (pos + 8 > bytes.length) throw indexError(label, at + pos, `run holds ${k} of ${count} records`);
    end = pos + 8 + dv.getUint32(pos + 4, true);
    if (end > bytes.length) throw indexError(label, at + pos, "record runs past the end of its run");
    out[k] = readFeatureRecord(bytes.subarray(pos, end), label, at + pos);
    pos = Math.ceil(end / RECORD_ALIGN) * RECORD_ALIGN;
  }
  // A run ends at its last record, or at that record's aligned end.
  if (end !== bytes.length && pos !== bytes.length)
    throw indexError(label, at, `run of ${count} records does not end at its last record`);
  return out;
}

/** Track record; `refs[k]` is the feature record ref of trajectory point k. */
export function writeTrackRecord(
  w: ByteWriter,
  t: Track,
  refs: { a: number; b: number }[],
): { a: number; b: number } {
  const start = openFrame(w);
  w.u32(t.id);
  w.str16(t.type);
  w.i32(t.birth.timestep);
  w.f64(t.birth.time);
  w.i32(t.death.timestep);
  w.f64(t.death.time);
  w.u8(FATES.indexOf(t.fate));
  w.u32(t.parents.length);
  for (const p of t.parents) w.u32(p);
  w.u32(t.children.length);
  for (const c of t.children) w.u32(c);
  w.u32(t.trajectory.length);
  t.trajectory.forEach((p, k) => {
    w.i32(p.timestep);
    w.f64(p.time);
    w.f64(p.feature);
    for (const c of p.centroid) w.f64(c);
    w.u32(p.voxels);
    w.u32(refs[k].a);
    w.u32(refs[k].b);
  });
  return seal(w, start);
}

export function readTrackRecord(
  bytes: Uint8Array,
  label: string,
  at: number,
): { track: Track; refs: { a: number; b: number }[] } {
  const r = new ByteCursor(openRecord(bytes, label, at));
  try {
    if (r.u8() !== 1) throw indexError(label, at, "unknown track record version");
    const id = r.u32();
    const type = r.str16();
    const birth = { timestep: r.i32(), time: r.f64() };
    const death = { timestep: r.i32(), time: r.f64() };
    const fate = FATES[r.u8()] ?? "active";
    const parents = Array.from({ length: r.u32() }, () => r.u32());
    const children = Array.from({ length: r.u32() }, () => r.u32());
    const n = r.u32();
    const refs: { a: number; b: number }[] = [];
    const trajectory = [];
    for (let k = 0; k < n; k++) {
      const timestep = r.i32();
      const time = r.f64();
      const feature = r.f64();
      const centroid: [number, number, number] = [r.f64(), r.f64(), r.f64()];
      const voxels = r.u32();
      refs.push({ a: r.u32(), b: r.u32() });
      trajectory.push({ timestep, time, feature, centroid, voxels });
    }
    return { track: { id, type, birth, death, fate, parents, children, trajectory }, refs };
  } catch (e) {
    if (e instanceof RangeError) throw indexError(label, at, "malformed track record");
    throw e;
  }
}
