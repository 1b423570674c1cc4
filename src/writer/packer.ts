/**
 * Streaming .fvx writer. Holds the current and the previous timestep (with
 * their LOD pyramids); bricks and hierarchy pages are appended as they are
 * made, starting after a reserved 64 KiB open block that is written last
 * (preamble, directory, header, temporal index and, space permitting, the
 * first root pages), so one request opens the file. See docs/FORMAT.md.
 */
import { unlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import { downsampleMean, downsampleMode } from "../core/filters";
import type { BrickEntry } from "../format/brick-entry";
import {
  Encoding,
  OPEN_BLOCK_SIZE,
  SECTION_OPTIONAL,
  SectionKind,
  VERSION_MAJOR,
  VERSION_MINOR,
} from "../format/constants";
import { brickBox, levelGeometry, mortonOrder } from "../format/grid";
import { encodeHeader, type FieldInfo, type Header, type PackSummary } from "../format/header";
import { encodePage, linearBrick, type PageRef, pageLayout } from "../format/hierarchy";
import { encodePreamble, type SectionEntry } from "../format/preamble";
import { encodeRoots, encodeTimes } from "../format/temporal";
import { xxhash32 } from "../format/xxhash32";
import { loadCompressor } from "../format/zstd-compress";
import { createFeatureCollector } from "../index/pack-features";
import { FlatvoxError } from "../shared/errors";
import { bytesPerValue, type TypedArray, type Vec3, viewTyped } from "../shared/types";
import { brickStats, extractBrick } from "./brick-stats";
import { createCompressPool } from "./compress-pool";
import { FileSink } from "./file-sink";
import {
  type ArrayTimestepData,
  type DatasetSpec,
  DEFAULT_DELTA_CHAIN,
  isSlabReader,
  type PackOptions,
  type TimestepData,
  type TimestepSource,
} from "./pack-types";
import { validateSpec, validateStep } from "./validate";

export interface PackReport {
  /** Level-0 input bytes over all fields and timesteps. */
  bytesIn: number;
  /** Size of the written file. */
  bytesOut: number;
  bricks: { total: number; uniform: number; deduped: number; delta: number };
  /** bytesIn / bytesOut. */
  compressionRatio: number;
  /** Brick bytes that would be stored without dedup / brick bytes stored. */
  dedupRatio: number;
  seconds: number;
  compressor: string;
}

/** A delta brick is kept only when at most this fraction of the plain encoding (it costs an extra read). */
const DELTA_KEEP_RATIO = 0.7;
/** Bricks encoding concurrently; bounds memory to about this many brick copies... */
const MAX_INFLIGHT = 16;
/** ...and to about this many bytes of them (large bricks). */
const MAX_INFLIGHT_BYTES = 64 << 20;

/**
 * One encoding worker per core: the main thread's share (downsampling,
 * extraction, stats) is small beside zstd, so the workers keep every core busy.
 */
function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

interface FieldState {
  levels: TypedArray[];
  entries: BrickEntry[][];
  /** Delta reads needed to decode each brick. */
  depth: Uint8Array[];
}

export async function packDataset(
  spec: DatasetSpec,
  steps: TimestepSource,
  outPath: string,
  opts: PackOptions = {},
): Promise<PackReport> {
  const started = performance.now();
  validateSpec(spec, opts);
  const B = opts.brickSize ?? 64;
  const zlevel = opts.zstdLevel ?? 1;
  const useDelta = opts.delta ?? true;
  const maxChain = opts.maxDeltaChain ?? DEFAULT_DELTA_CHAIN;
  const T = spec.times.length;
  const F = spec.fields.length;
  const geoms = levelGeometry(spec.dims, B);
  const L = geoms.length;
  const orders = geoms.map((g) => mortonOrder(g.bricks));
  const { compress, name: compressor } = await loadCompressor();
  const cz = (d: Uint8Array): Uint8Array => compress(d, zlevel);

  const sink = new FileSink(outPath, OPEN_BLOCK_SIZE);
  const stats: PackSummary = { bricks: 0, uniform: 0, dedup: 0, delta: 0, inputBytes: 0, brickBytes: 0 };
  let dedupBytes = 0;
  const ranges: [number, number][] = spec.fields.map(() => [
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ]);
  const roots: (PageRef | undefined)[] = new Array(T * F);
  const held: { index: number; bytes: Uint8Array; ref: PageRef }[] = [];
  let heldBytes = 0;
  const prev: (FieldState | undefined)[] = new Array(F);
  // Features are extracted and tracked as timesteps stream by (src/index/pack-features.ts).
  const features = opts.features ? createFeatureCollector(spec, opts.features) : undefined;

  const writePage = (bytes: Uint8Array): PageRef => {
    const stored = cz(bytes);
    const offset = sink.append(stored);
    return { offset, length: stored.length, rawLength: bytes.length, checksum: xxhash32(stored) };
  };

  const pool = await createCompressPool(zlevel, opts.workers ?? defaultWorkers());
  // Commit queue: bricks and hierarchy pages are written in submission order,
  // so the file does not depend on which worker finishes first. Pages of a
  // (field, timestep) are queued behind its bricks; the next timestep starts
  // while they are still encoding.
  const queue: { bytes: number; run: () => Promise<void> | void }[] = [];
  let queuedBytes = 0;
  const commitOne = async (): Promise<void> => {
    const job = queue.shift()!;
    queuedBytes -= job.bytes;
    await job.run();
  };

  const packField = async (fi: number, t: number, data: TypedArray): Promise<void> => {
    const field = spec.fields[fi];
    const bpv = bytesPerValue(field.dtype);
    const levels: TypedArray[] = [data];
    for (let k = 1; k < L; k++) {
      const down = field.kind === "scalar" ? downsampleMean : downsampleMode;
      levels.push(down(levels[k - 1], geoms[k - 1].dims, field.dtype));
    }
    const old = prev[fi];
    const entries: BrickEntry[][] = geoms.map((g) => new Array(g.bricks[0] * g.bricks[1] * g.bricks[2]));
    const depth = geoms.map((g) => new Uint8Array(g.bricks[0] * g.bricks[1] * g.bricks[2]));
    for (let k = L - 1; k >= 0; k--) {
      const geo = geoms[k];
      for (const b of orders[k]) {
        const idx = linearBrick(geo, b);
        const box = brickBox(geo.dims, B, b);
        const voxels = box.size[0] * box.size[1] * box.size[2];
        const nbytes = voxels * bpv;
        const curBytes = pool.take(nbytes);
        const cur = viewTyped(field.dtype, curBytes);
        extractBrick(levels[k], geo.dims, box.min, box.size, cur);
        const s = brickStats(cur, field.kind);
        stats.bricks++;
        if (k === 0 && s.validCount > 0) {
          const r = ranges[fi];
          if (s.min < r[0]) r[0] = s.min;
          if (s.max > r[1]) r[1] = s.max;
        }
        const base = {
          dedup: false,
          refT: 0,
          min: s.min,
          max: s.max,
          mean: s.mean,
          homogeneity: s.homogeneity,
          validCount: s.validCount,
        };
        if (s.uniform) {
          entries[k][idx] = { ...base, encoding: Encoding.UNIFORM, checksum: 0, offset: 0, length: 0 };
          stats.uniform++;
          pool.give(curBytes);
          continue;
        }
        let ref: Uint8Array | undefined;
        // The same brick one timestep earlier may still be encoding: then its
        // entry and delta depth are settled when it commits, which is always
        // before this brick commits. Not waiting for it keeps the workers fed.
        let chainUnknown = false;
        if (old) {
          const pe = old.entries[k][idx];
          const oldBytes = pool.take(nbytes);
          extractBrick(old.levels[k], geo.dims, box.min, box.size, viewTyped(field.dtype, oldBytes));
          // A pending entry is never uniform (uniform entries are set at once).
          if (
            (pe === undefined || pe.encoding !== Encoding.UNIFORM) &&
            Buffer.compare(curBytes, oldBytes) === 0
          ) {
            pool.give(curBytes);
            pool.give(oldBytes);
            const kk = k;
            const dedup = () => {
              const e = old.entries[kk][idx];
              entries[kk][idx] = { ...e, dedup: true };
              depth[kk][idx] = old.depth[kk][idx];
              stats.dedup++;
              dedupBytes += e.length;
            };
            if (pe) dedup();
            else queue.push({ bytes: 0, run: dedup });
            continue;
          }
          chainUnknown = pe === undefined;
          if (useDelta && (chainUnknown || old.depth[k][idx] + 1 <= maxChain)) ref = oldBytes;
          else pool.give(oldBytes);
        }
        const encoded = pool.encode({
          cur: curBytes,
          ref,
          size: bpv,
          keepRatio: DELTA_KEEP_RATIO,
          keepPlain: chainUnknown,
        });
        encoded.catch(() => {}); // rejection surfaces when committed
        const kk = k;
        const jobBytes = ref ? 2 * nbytes : nbytes;
        queue.push({
          bytes: jobBytes,
          run: async () => {
            const r = await encoded;
            let { stored, encoding, checksum } = r;
            let refT = 0;
            if (encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
              if (old!.depth[kk][idx] + 1 <= maxChain) {
                refT = t - 1;
                depth[kk][idx] = old!.depth[kk][idx] + 1;
                stats.delta++;
              } else {
                // The chain turned out full: the plain form, as if no delta had been tried.
                ({ stored, checksum } = r.plain!);
                encoding = Encoding.SHUFFLE_ZSTD;
              }
            }
            const offset = sink.append(stored);
            stats.brickBytes += stored.length;
            entries[kk][idx] = { ...base, encoding, refT, checksum, offset, length: stored.length };
          },
        });
        queuedBytes += jobBytes;
        // Bounded pipeline: about MAX_INFLIGHT bricks (and MAX_INFLIGHT_BYTES) in flight.
        while (queue.length >= MAX_INFLIGHT || queuedBytes > MAX_INFLIGHT_BYTES) await commitOne();
      }
    }
    const buildPage = (rootLevel: number, root: Vec3, isRoot: boolean): PageRef => {
      const layout = pageLayout(geoms, rootLevel, root);
      const children = layout.childRoots.map((c) => buildPage(layout.bottomLevel, c, false));
      const nodes: BrickEntry[] = [];
      layout.levels.forEach((list, i) => {
        const k = rootLevel - i;
        for (const b of list) nodes.push(entries[k][linearBrick(geoms[k], b)]);
      });
      const raw = encodePage({ field: fi, t, rootLevel, root }, layout, nodes, children);
      if (isRoot && heldBytes + raw.length < OPEN_BLOCK_SIZE / 2) {
        const bytes = cz(raw);
        const ref = { offset: -1, length: bytes.length, rawLength: raw.length, checksum: xxhash32(bytes) };
        held.push({ index: t * F + fi, bytes, ref });
        heldBytes += bytes.length;
        return ref;
      }
      return writePage(raw);
    };
    queue.push({
      bytes: 0,
      run: () => {
        roots[t * F + fi] = buildPage(L - 1, [0, 0, 0], true);
      },
    });
    prev[fi] = { levels, entries, depth };
  };

  try {
    let t = 0;
    for await (const raw of steps as AsyncIterable<TimestepData>) {
      if (t >= T) throw new FlatvoxError("InputError", `more timesteps than the ${T} time values`);
      const step = await materialize(spec, raw);
      validateStep(spec, step, t);
      features?.push(step);
      for (let fi = 0; fi < F; fi++) {
        const data = step.fields[spec.fields[fi].name];
        stats.inputBytes += data.byteLength;
        await packField(fi, t, data);
      }
      t++;
      opts.onProgress?.({ step: t, steps: T, bytesIn: stats.inputBytes, bytesOut: sink.position });
    }
    if (t !== T) throw new FlatvoxError("InputError", `got ${t} timesteps, times lists ${T}`);
    while (queue.length) await commitOne();
    const extras = [...((await opts.extraSections?.()) ?? []), ...(features?.sections() ?? [])];
    await pool.close();
    stats.dedupBytes = dedupBytes;
    const size = finish(sink, spec, B, L, stats, ranges, roots as PageRef[], held, extras, opts.writer);
    const seconds = (performance.now() - started) / 1000;
    return {
      bytesIn: stats.inputBytes,
      bytesOut: size,
      bricks: { total: stats.bricks, uniform: stats.uniform, deduped: stats.dedup, delta: stats.delta },
      compressionRatio: stats.inputBytes / size,
      dedupRatio: stats.brickBytes > 0 ? (stats.brickBytes + dedupBytes) / stats.brickBytes : 1,
      seconds,
      compressor: pool.workers > 0 ? `${compressor} ×${pool.workers} workers` : compressor,
    };
  } catch (e) {
    await pool.close().catch(() => {});
    try {
      sink.close();
    } catch {}
    try {
      unlinkSync(outPath);
    } catch {}
    throw e;
  }
}

/** Whole arrays for fields given as SlabReaders. */
async function materialize(spec: DatasetSpec, step: TimestepData): Promise<ArrayTimestepData> {
  const fields: Record<string, TypedArray> = {};
  for (const [name, v] of Object.entries(step.fields ?? {})) {
    if (isSlabReader(v)) {
      try {
        fields[name] = await v.read(0, spec.dims[2], 0, spec.dims[1]);
      } finally {
        await v.close?.();
      }
    } else fields[name] = v;
  }
  return { index: step.index, fields };
}

/** Write extras, the temporal index and the open block; returns the file size. */
function finish(
  sink: FileSink,
  spec: DatasetSpec,
  B: number,
  L: number,
  summary: PackSummary,
  ranges: [number, number][],
  roots: PageRef[],
  held: { index: number; bytes: Uint8Array; ref: PageRef }[],
  extras: { kind: number; bytes: Uint8Array; optional?: boolean; openBlock?: boolean }[],
  writer?: string,
): number {
  const fields: FieldInfo[] = spec.fields.map((f, i) => ({
    name: f.name,
    dtype: f.dtype,
    kind: f.kind,
    units: f.units ?? "",
    fill: f.fill ?? null,
    description: f.description ?? "",
    range: ranges[i][0] <= ranges[i][1] ? ranges[i] : null,
    ...(f.attributes ? { attributes: f.attributes } : {}),
  }));
  const header: Header = {
    dims: spec.dims,
    origin: spec.origin ?? [0, 0, 0],
    spacing: spec.spacing ?? [1, 1, 1],
    ...(spec.transform ? { transform: spec.transform } : {}),
    spaceUnits: spec.spaceUnits ?? "",
    fields,
    timeCount: spec.times.length,
    timeUnits: spec.timeUnits ?? "",
    timeCalendar: spec.timeCalendar ?? "",
    brickSize: B,
    levelCount: L,
    order: "morton",
    metadata: spec.metadata ?? {},
    summary,
    writer: writer ?? `flatvox fvx ${VERSION_MAJOR}.${VERSION_MINOR}`,
  };
  const headerBytes = encodeHeader(header);
  const times = encodeTimes(spec.times);
  const rootsLength = roots.length * 24;
  // header, time values, timestep roots, body, extras.
  const dirCount = 4 + extras.length;
  const fixed = 32 + dirCount * 32 + headerBytes.length + times.length;
  if (fixed > OPEN_BLOCK_SIZE) {
    throw new FlatvoxError(
      "InputError",
      `header and time values need ${fixed} bytes, more than the 64 KiB open block (shorten metadata)`,
    );
  }
  const rootsInside = fixed + rootsLength <= OPEN_BLOCK_SIZE;
  let cursor = fixed + (rootsInside ? rootsLength : 0);
  const inside: { at: number; bytes: Uint8Array }[] = [];
  for (const h of held) {
    if (cursor + h.bytes.length <= OPEN_BLOCK_SIZE) {
      h.ref.offset = cursor;
      inside.push({ at: cursor, bytes: h.bytes });
      cursor += h.bytes.length;
    } else {
      h.ref.offset = sink.append(h.bytes);
    }
    roots[h.index] = h.ref;
  }
  const sections: SectionEntry[] = [];
  const headerAt = 32 + dirCount * 32;
  const entry = (kind: number, flags: number, offset: number, bytes: Uint8Array): SectionEntry => ({
    kind,
    flags,
    checksum: xxhash32(bytes),
    offset,
    length: bytes.length,
    rawLength: bytes.length,
  });
  sections.push(entry(SectionKind.HEADER, 0, headerAt, headerBytes));
  sections.push(entry(SectionKind.TIME_VALUES, 0, headerAt + headerBytes.length, times));
  const rootBytes = encodeRoots(roots);
  const rootsAt = rootsInside ? fixed : sink.append(rootBytes);
  sections.push(entry(SectionKind.TIMESTEP_ROOTS, 0, rootsAt, rootBytes));
  for (const x of extras) {
    // Small sections a reader needs early (e.g. the feature directory) ride in the open block when it has room.
    const inBlock = x.openBlock === true && cursor + x.bytes.length <= OPEN_BLOCK_SIZE;
    if (inBlock) {
      inside.push({ at: cursor, bytes: x.bytes });
      cursor += x.bytes.length;
    }
    const at = inBlock ? cursor - x.bytes.length : sink.append(x.bytes);
    sections.push(entry(x.kind, x.optional === false ? 0 : SECTION_OPTIONAL, at, x.bytes));
  }
  const openLength = Math.max(cursor, fixed + (rootsInside ? rootsLength : 0));
  // Everything is appended by now: the body section's end is the file's length.
  const bodyAt = sink.position > OPEN_BLOCK_SIZE ? OPEN_BLOCK_SIZE : openLength;
  const size = sink.position > OPEN_BLOCK_SIZE ? sink.position : openLength;
  sections.splice(3, 0, {
    kind: SectionKind.BODY,
    flags: SECTION_OPTIONAL,
    checksum: 0,
    offset: bodyAt,
    length: size - bodyAt,
    rawLength: size - bodyAt,
  });
  const block = new Uint8Array(openLength);
  block.set(encodePreamble(sections, openLength), 0);
  block.set(headerBytes, headerAt);
  block.set(times, headerAt + headerBytes.length);
  if (rootsInside) block.set(rootBytes, fixed);
  for (const p of inside) block.set(p.bytes, p.at);
  sink.flush();
  sink.writeAt(0, block);
  sink.close();
  return size;
}
