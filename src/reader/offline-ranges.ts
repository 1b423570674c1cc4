/**
 * offlineRanges(): every byte range a reader needs to show a selection of a
 * dataset (fields × timestep range × LOD levels) without a network: the open
 * block, the timestep roots, the hierarchy pages down to the finest chosen
 * level, the non-uniform bricks (with the keyframes their delta chains lean
 * on, even outside the range) and, optionally, the feature sections (never
 * the probe index, a second copy of level 0 over every timestep).
 *
 * Ranges are the exact (offset, length) the reader asks its source for, so a
 * cache keyed on them serves the later reads. Walking the hierarchy reads the
 * pages through the dataset's source (a cached source keeps them).
 */
import type { BrickEntry } from "../format/brick-entry";
import { Encoding, LIMITS, OPEN_BLOCK_SIZE, SectionKind } from "../format/constants";
import { type DecodedPage, decodePage, linearBrick, type PageRef } from "../format/hierarchy";
import { decodeRoots } from "../format/temporal";
import { zstdDecompressExact } from "../format/zstd";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import { checksumVerifier } from "./byte-reader";
import type { Dataset, FieldRef } from "./dataset";

export interface OfflineSelection {
  /** Fields to include (names or indices); default all. */
  fields?: FieldRef[];
  /** Closed range of timestep indices; default all. */
  times?: [number, number];
  /** LOD levels to include (0 = full resolution); default all. */
  levels?: number[];
  /** Include the feature sections (default true). */
  features?: boolean;
}

export interface ByteRangeNeed {
  offset: number;
  length: number;
  /** Throws when the bytes are not the ones the file declares (checksum). */
  verify?: (bytes: Uint8Array) => void;
  /** What the range holds. */
  kind: "open" | "roots" | "page" | "brick" | "section";
}

export interface OfflineRangeOptions {
  signal?: AbortSignal;
}

/** The ranges of a selection, without duplicates (dedup bricks share bytes), in file order. */
export async function offlineRanges(
  ds: Dataset,
  sel: OfflineSelection = {},
  opts: OfflineRangeOptions = {},
): Promise<ByteRangeNeed[]> {
  const info = ds.info;
  const src = ds.source;
  const signal = opts.signal;
  const T = info.times.length;
  const top = info.levels.length - 1;
  const fields = (sel.fields ?? info.fields.map((_, i) => i)).map((f) => ds.fieldIndex(f));
  const [t0, t1] = sel.times ?? [0, T - 1];
  if (!Number.isInteger(t0) || !Number.isInteger(t1) || t0 < 0 || t1 >= T || t0 > t1) {
    throw new FlatvoxError("RangeError", `timestep range ${t0}..${t1} outside 0..${T - 1}`);
  }
  const levels = new Set(sel.levels ?? info.levels.map((l) => l.level));
  for (const l of levels) {
    if (!Number.isInteger(l) || l < 0 || l > top)
      throw new FlatvoxError("RangeError", `level ${l} outside 0..${top}`);
  }
  const finest = Math.min(...levels);
  const openLen = Math.min(OPEN_BLOCK_SIZE, info.size ?? OPEN_BLOCK_SIZE);
  const out = new Map<string, ByteRangeNeed>();
  const add = (r: ByteRangeNeed) => {
    // The reader serves anything inside the open block from that one read.
    if (r.length === 0 || r.offset + r.length <= openLen) return;
    out.set(`${r.offset}+${r.length}`, r);
  };
  out.set(`0+${openLen}`, { offset: 0, length: openLen, kind: "open" });

  let openBytes: Uint8Array | undefined;
  const read = async (offset: number, length: number, checksum: number, section: string) => {
    throwIfAborted(signal);
    const verify = checksumVerifier(checksum, section, offset);
    if (offset + length <= openLen) {
      openBytes ??= await src.getBytes(0, openLen, { signal, purpose: "open", upTo: true });
      const b = openBytes.subarray(offset, offset + length);
      verify(b);
      return b;
    }
    return src.getBytes(offset, length, { signal, purpose: "hierarchy", verify });
  };

  const rootsSection = info.sections.find((s) => s.kind === SectionKind.TIMESTEP_ROOTS);
  if (!rootsSection)
    throw new FlatvoxError("FormatError", "no timestep roots section", { section: "timestep-roots" });
  add({
    ...rootsSection,
    kind: "roots",
    verify: checksumVerifier(rootsSection.checksum, "timestep-roots", rootsSection.offset),
  });
  const roots = decodeRoots(
    await read(rootsSection.offset, rootsSection.length, rootsSection.checksum, "timestep-roots"),
    T * info.fields.length,
    rootsSection.offset,
  );

  const loadPage = async (ref: PageRef, field: number, t: number, rootLevel: number, root: Vec3) => {
    add({ ...ref, kind: "page", verify: checksumVerifier(ref.checksum, "hierarchy", ref.offset) });
    const stored = await read(ref.offset, ref.length, ref.checksum, "hierarchy");
    const raw = zstdDecompressExact(stored, ref.rawLength, { section: "hierarchy", offset: ref.offset });
    return decodePage(raw, { field, t, rootLevel, root }, info.levels, ref.offset);
  };

  /** Visit the pages of (field, t) down to `finest`, handing every entry of a wanted level to `visit`. */
  const walk = async (
    field: number,
    t: number,
    visit: (e: BrickEntry, level: number, brick: Vec3) => void,
  ): Promise<void> => {
    const stack: { page: DecodedPage }[] = [
      { page: await loadPage(roots[t * info.fields.length + field], field, t, top, [0, 0, 0]) },
    ];
    while (stack.length) {
      const { page } = stack.pop()!;
      const { layout } = page;
      for (let i = 0; i < layout.levels.length; i++) {
        const level = layout.rootLevel - i;
        if (!levels.has(level)) continue;
        const geo = info.levels[level];
        for (const b of layout.levels[i]) {
          const e = page.entries[i].get(linearBrick(geo, b));
          if (e) visit(e, level, b);
        }
      }
      if (layout.bottomLevel <= finest) continue;
      const geo = info.levels[layout.bottomLevel];
      for (const b of layout.childRoots) {
        const ref = page.children.get(linearBrick(geo, b));
        if (ref) stack.push({ page: await loadPage(ref, field, t, layout.bottomLevel, b) });
      }
    }
  };

  const brick = (e: BrickEntry) =>
    add({
      offset: e.offset,
      length: e.length,
      kind: "brick",
      verify: checksumVerifier(e.checksum, "brick", e.offset),
    });

  // Delta bricks need their reference chain: (field, t) → keys "level/x,y,z" of the links wanted there.
  const chains = new Map<string, Set<string>>();
  const want = (field: number, t: number, level: number, b: Vec3) => {
    const k = `${field}/${t}`;
    const s = chains.get(k) ?? new Set<string>();
    s.add(`${level}/${b.join(",")}`);
    chains.set(k, s);
  };
  const onEntry = (field: number) => (e: BrickEntry, level: number, b: Vec3) => {
    if (e.encoding === Encoding.UNIFORM) return;
    brick(e);
    if (e.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD) want(field, e.refT, level, b);
  };
  for (const f of fields) for (let t = t0; t <= t1; t++) await walk(f, t, onEntry(f));

  // Follow the chains back to their keyframes (timesteps inside the range are already complete).
  const done = new Set<string>();
  for (let round = 0; chains.size && round <= LIMITS.maxDeltaChain + 1; round++) {
    const pending = [...chains].filter(([k]) => !done.has(k));
    chains.clear();
    for (const [k, keys] of pending) {
      const [f, t] = k.split("/").map(Number);
      done.add(k);
      if (t >= t0 && t <= t1 && fields.includes(f)) continue;
      await walk(f, t, (e, level, b) => {
        if (!keys.has(`${level}/${b.join(",")}`)) return;
        onEntry(f)(e, level, b);
      });
    }
  }

  if (sel.features !== false) {
    for (const s of info.sections) {
      // Only the feature sections (0x0010–0x001F). The probe index is left out: it holds level 0
      // of every timestep a second time (docs/FORMAT.md §16), far more than a selection of steps
      // needs (values over time offline need the network or every step's bricks cached).
      if (s.kind < SectionKind.FEATURES || s.kind >= SectionKind.PROBE_INDEX) continue;
      add({
        offset: s.offset,
        length: s.length,
        kind: "section",
        verify: checksumVerifier(s.checksum, s.name, s.offset),
      });
    }
  }
  return [...out.values()].sort((a, b) => a.offset - b.offset);
}
