/** The feature directory section: small, read whole (it may ride along in a file's opening read). */

import { KEY_TYPE_CODES, KEY_TYPE_NAMES } from "./btree-layout";
import { ByteCursor, ByteWriter } from "./bytes";
import { checksum } from "./checksum";
import { indexError } from "./index-error";
import type { KeyType } from "./key-codec";

export const DIR_MAGIC = 0x44585646; // "FVXD"
export const DIR_VERSION = 1;
export const TRACK_DIR_PAGE = 512;

export interface FeatureDir {
  featureCount: number;
  trackCount: number;
  /** Feature records occupy [0, featuresLength) of the records section. */
  featuresLength: number;
  tracksOffset: number;
  tracksLength: number;
  trackDirOffset: number;
  rtreeHeadLength: number;
  extent: { min: number[]; max: number[]; t0: number; t1: number };
  avgRecordLength: number;
  indices: { name: string; type: KeyType; offset: number; length: number; headLength: number }[];
}

export function writeFeatureDir(d: FeatureDir): Uint8Array {
  const w = new ByteWriter(512);
  w.u32(DIR_MAGIC);
  w.u16(DIR_VERSION);
  w.u16(0);
  w.u64(d.featureCount);
  w.u32(d.trackCount);
  w.u64(d.featuresLength);
  w.u64(d.tracksOffset);
  w.u64(d.tracksLength);
  w.u64(d.trackDirOffset);
  w.u32(TRACK_DIR_PAGE);
  w.u32(d.rtreeHeadLength);
  for (const v of [...d.extent.min, ...d.extent.max, d.extent.t0, d.extent.t1]) w.f64(v);
  w.u32(Math.round(d.avgRecordLength));
  w.u16(d.indices.length);
  for (const ix of d.indices) {
    w.str16(ix.name);
    w.u8(KEY_TYPE_CODES[ix.type]);
    w.u64(ix.offset);
    w.u64(ix.length);
    w.u32(ix.headLength);
  }
  w.u32(checksum(w.peek()));
  return w.finish();
}

export function readFeatureDir(bytes: Uint8Array, at: number): FeatureDir {
  const label = "feature directory";
  const r = new ByteCursor(bytes);
  try {
    if (bytes.length < 8 || r.u32() !== DIR_MAGIC) throw indexError(label, at, "bad magic");
    const v = r.u16();
    if (v !== DIR_VERSION) throw indexError(label, at, `unsupported version ${v}`);
    if (
      new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 4, true) !==
      checksum(bytes, 0, bytes.length - 4)
    ) {
      throw indexError(label, at, "checksum mismatch", bytes.length);
    }
    r.u16();
    const featureCount = r.u64();
    const trackCount = r.u32();
    const [featuresLength, tracksOffset, tracksLength, trackDirOffset] = r.u64s(4);
    if (r.u32() !== TRACK_DIR_PAGE) throw indexError(label, at, "unsupported track directory page size");
    const rtreeHeadLength = r.u32();
    const e = Array.from({ length: 8 }, () => r.f64());
    const avgRecordLength = r.u32();
    const n = r.u16();
    const indices = [];
    for (let i = 0; i < n; i++) {
      const name = r.str16();
      const type = KEY_TYPE_NAMES[r.u8()];
      if (!type) throw indexError(label, at, `index ${name}: unknown key type`);
      indices.push({ name, type, offset: r.u64(), length: r.u64(), headLength: r.u32() });
    }
    const lengths = { featuresLength, tracksOffset, tracksLength, trackDirOffset, rtreeHeadLength };
    const extent = { min: e.slice(0, 3), max: e.slice(3, 6), t0: e[6], t1: e[7] };
    return { featureCount, trackCount, ...lengths, extent, avgRecordLength, indices };
  } catch (err) {
    if (err instanceof RangeError) throw indexError(label, at, "truncated");
    throw err;
  }
}
