/** Tools to build hostile files: edit structures of a packed file and re-seal their checksums. */
import { dataView } from "../../../src/format/binary";
import { DIRECTORY_ENTRY_SIZE, PREAMBLE_SIZE, SectionKind } from "../../../src/format/constants";
import type { PageRef } from "../../../src/format/hierarchy";
import { decodeDirectory, decodePreamble, type SectionEntry } from "../../../src/format/preamble";
import { decodeRoots, encodeRoots } from "../../../src/format/temporal";
import { xxhash32 } from "../../../src/format/xxhash32";
import { zstdDecompressExact } from "../../../src/format/zstd";
import { loadCompressor } from "../../../src/format/zstd-compress";
import type { Dataset } from "../../../src/reader";

export function directory(bytes: Uint8Array): SectionEntry[] {
  return decodeDirectory(bytes, decodePreamble(bytes));
}

/** Recompute the checksums of the open-block sections, the directory and the preamble. */
export function reseal(bytes: Uint8Array): Uint8Array {
  const v = dataView(bytes);
  const count = v.getUint32(16, true);
  for (let i = 0; i < count; i++) {
    const at = PREAMBLE_SIZE + i * DIRECTORY_ENTRY_SIZE;
    const kind = v.getUint16(at, true);
    const off = v.getUint32(at + 8, true);
    const len = v.getUint32(at + 16, true);
    if (
      [SectionKind.HEADER, SectionKind.TIME_VALUES, SectionKind.TIMESTEP_ROOTS].includes(kind as 1) &&
      off + len <= bytes.length
    ) {
      v.setUint32(at + 4, xxhash32(bytes.subarray(off, off + len)), true);
    }
  }
  v.setUint32(
    20,
    xxhash32(bytes.subarray(PREAMBLE_SIZE, PREAMBLE_SIZE + count * DIRECTORY_ENTRY_SIZE)),
    true,
  );
  v.setUint32(28, xxhash32(bytes.subarray(0, 28)), true);
  return bytes;
}

/** Replace the header JSON (must not be longer than the original; padded with spaces) and reseal. */
export function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const out = bytes.slice();
  const s = directory(out).find((x) => x.kind === SectionKind.HEADER)!;
  const h = JSON.parse(new TextDecoder().decode(out.subarray(s.offset, s.offset + s.length)));
  edit(h);
  const enc = new TextEncoder().encode(JSON.stringify(h));
  if (enc.length > s.length) throw new Error("edited header too long for the test helper");
  out.fill(0x20, s.offset, s.offset + s.length);
  out.set(enc, s.offset);
  return reseal(out);
}

function rootsOf(bytes: Uint8Array): { section: SectionEntry; roots: PageRef[] } {
  const section = directory(bytes).find((x) => x.kind === SectionKind.TIMESTEP_ROOTS)!;
  const roots = decodeRoots(
    bytes.subarray(section.offset, section.offset + section.length),
    section.length / 24,
    section.offset,
  );
  return { section, roots };
}

/** Rewrite root ref `i` (t-major) and reseal. */
export function withRootRef(bytes: Uint8Array, i: number, edit: (r: PageRef) => void): Uint8Array {
  const out = bytes.slice();
  const { section, roots } = rootsOf(out);
  edit(roots[i]);
  out.set(encodeRoots(roots), section.offset);
  return reseal(out);
}

/** Decode root page `i`, let `edit` change its raw bytes, append it re-compressed and point the root at it. */
export async function withRootPage(
  bytes: Uint8Array,
  i: number,
  edit: (raw: Uint8Array) => Uint8Array,
): Promise<Uint8Array> {
  const { roots } = rootsOf(bytes);
  const r = roots[i];
  const raw = zstdDecompressExact(bytes.subarray(r.offset, r.offset + r.length), r.rawLength, {}).slice();
  const changed = edit(raw);
  const { compress } = await loadCompressor();
  const stored = compress(changed, 1);
  const out = new Uint8Array(bytes.length + stored.length);
  out.set(bytes);
  out.set(stored, bytes.length);
  return withRootRef(out, i, (ref) => {
    ref.offset = bytes.length;
    ref.length = stored.length;
    ref.rawLength = changed.length;
    ref.checksum = xxhash32(stored);
  });
}

/** Read every level of every field and timestep (what a fuzz case exercises). */
export async function readEverything(ds: Dataset): Promise<void> {
  for (let f = 0; f < ds.info.fields.length; f++)
    for (let t = 0; t < ds.info.times.length; t++)
      for (const geo of ds.info.levels)
        await ds.readRegion({ field: f, t, level: geo.level, box: { min: [0, 0, 0], max: geo.dims } });
  for (const s of ds.info.sections) if (s.kind >= 0x10) await ds.readSection(s.kind);
}
