/**
 * Streaming .fvx writer. Holds the current and the previous timestep (with
 * their LOD pyramids); bricks and hierarchy pages are appended as they are
 * made, starting after a reserved 64 KiB open block that is written last
 * (preamble, directory, header, temporal index and, space permitting, the
 * first root pages), so one request opens the file. See docs/FORMAT.md.
 */
import { statfsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createByteFilters } from "../core/byte-filters";
import { shuffle } from "../core/filters";
import type { BrickEntry } from "../format/brick-entry";
import {
  Encoding,
  OPEN_BLOCK_SIZE,
  SECTION_OPTIONAL,
  SECTION_ZSTD,
  SectionKind,
  VERSION_MAJOR,
  VERSION_MINOR,
} from "../format/constants";
import { brickBox, type LevelGeometry, levelGeometry, mortonOrder } from "../format/grid";
import { encodeHeader, type FieldInfo, type Header, type PackSummary } from "../format/header";
import { linearBrick, type PageRef } from "../format/hierarchy";
import { encodePreamble, type SectionEntry, sectionEntry } from "../format/preamble";
import { encodeRoots, encodeTimes } from "../format/temporal";
import { xxhash32 } from "../format/xxhash32";
import { loadCompressor } from "../format/zstd-compress";
import { createFeatureCollector } from "../index/pack-features";
import { FlatvoxError } from "../shared/errors";
import { bytesPerValue, type TypedArray, type Vec3, viewTyped } from "../shared/types";
import { brickStats, extractBrick } from "./brick-stats";
import { createCompressPool, kernelsFromEnv } from "./compress-pool";
import { normalizeNoData } from "./no-data";
import {
  type DatasetSpec,
  DEFAULT_DELTA_CHAIN,
  isSlabReader,
  type PackOptions,
  type SlabReader,
  type TimestepData,
  type TimestepSource,
} from "./pack-types";
import { buildPageTree } from "./page-tree";
import { createProbeCollector, type ProbeCollector } from "./probe-writer";
import { arraySlabReader, bandRows, type Downsample, pyramidChunks } from "./pyramid-slabs";
import { openOutputSink, type Sink, scratchDirFor } from "./sink";
import { SpillFile } from "./spill";
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
  entries: BrickEntry[][];
  /** Delta reads needed to decode each brick. */
  depth: Uint8Array[];
  /** Offset of each brick's raw bytes in that timestep's raw spill; -1 when not kept (uniform). */
  rawAt: Float64Array[];
}

/** Level-0 bands are read at most this large (a few brick rows of one brick layer). */
const BAND_BYTES = 32 << 20;

export async function packDataset(
  inputSpec: DatasetSpec,
  inputSteps: TimestepSource,
  outPath: string,
  opts: PackOptions = {},
): Promise<PackReport> {
  const started = performance.now();
  validateSpec(inputSpec, opts);
  const { spec, steps } = normalizeNoData(inputSpec, inputSteps);
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
  // Everything that can fail without the data fails here, before the first read.
  const plan = planOpenBlock(spec, B, L, cz, opts.writer);
  const spillDir = opts.spillDir ?? scratchDirFor(outPath);
  checkDiskSpace(spec, geoms, spillDir, T);

  const sink = openOutputSink(outPath, { s3: opts.s3 });
  // Probe index (docs/FORMAT.md §16): level-0 values again in time-major chunks.
  const probe: ProbeCollector | undefined = opts.probe
    ? createProbeCollector(spec, B, opts.probe === true ? {} : opts.probe, spillDir, cz, (b) =>
        sink.append(b),
      )
    : undefined;
  // Raw bricks of the previous timestep (dedup and delta compare against them)
  // and this timestep's encoded bricks, reordered along the Morton curve once
  // the field's timestep is complete.
  const rawSpills = T > 1 ? [new SpillFile(spillDir, "raw"), new SpillFile(spillDir, "raw")] : [];
  const brickSpill = new SpillFile(spillDir, "bricks");
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
  const featureField = features ? (opts.features?.field ?? spec.fields[0].name) : undefined;

  const writePage = (bytes: Uint8Array): PageRef => {
    const stored = cz(bytes);
    const offset = sink.append(stored);
    return { offset, length: stored.length, rawLength: bytes.length, checksum: xxhash32(stored) };
  };

  const pool = await createCompressPool(zlevel, opts.workers ?? defaultWorkers());
  // FLATVOX_DOWNSAMPLE=main downsamples the LOD pyramid on this thread instead
  // of the workers (same kernels, same bytes), which benchmarks compare.
  const here =
    typeof process === "object" && process.env.FLATVOX_DOWNSAMPLE === "main"
      ? await createByteFilters({ implementation: kernelsFromEnv() })
      : undefined;
  // Commit queue: encoded bricks land in the brick spill in submission order,
  // so the file does not depend on which worker finishes first.
  const queue: { bytes: number; run: () => Promise<void> | void }[] = [];
  let queuedBytes = 0;
  const commitOne = async (): Promise<void> => {
    const job = queue.shift()!;
    queuedBytes -= job.bytes;
    await job.run();
  };
  let copyBuf = new Uint8Array(1 << 16);

  const packField = async (fi: number, t: number, reader: SlabReader, progress: (bytes: number) => void) => {
    const field = spec.fields[fi];
    const bpv = bytesPerValue(field.dtype);
    const fill = field.fill ?? null;
    // Scalar no-data is NaN by now (no-data.ts), which the mean leaves out.
    const kind = field.kind === "categorical" ? "mode" : "mean";
    // The LOD pyramid is downsampled on the encoding workers' kernels (here
    // while none is ready or none could start), on a copy made now, so the
    // chunk is free for brick extraction meanwhile and the bytes never depend
    // on the worker count.
    const down: Downsample = async (a, d) => {
      if (here) return here.downsample(a, d, field.dtype, kind);
      const copy = pool.take(a.byteLength);
      copy.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return pool.downsample(copy, d, field.dtype, kind);
    };
    const old = prev[fi];
    const keepRaw = t < T - 1;
    const rawOut = keepRaw ? rawSpills[t % 2] : undefined;
    const rawIn = old ? rawSpills[(t - 1) % 2] : undefined;
    const entries: BrickEntry[][] = geoms.map((g) => new Array(g.bricks[0] * g.bricks[1] * g.bricks[2]));
    const depth = geoms.map((g) => new Uint8Array(g.bricks[0] * g.bricks[1] * g.bricks[2]));
    const rawAt = geoms.map((g) =>
      new Float64Array(keepRaw ? g.bricks[0] * g.bricks[1] * g.bricks[2] : 0).fill(-1),
    );
    const rows = bandRows(spec.dims, B, field.dtype, opts.bandBytes ?? BAND_BYTES);
    const label = { field: field.name, t };
    for await (const chunk of pyramidChunks(reader, geoms, B, field.dtype, down, rows, label)) {
      const k = chunk.level;
      const geo = geoms[k];
      const bz = chunk.origin[2] / B;
      const by1 = Math.ceil((chunk.origin[1] + chunk.dims[1]) / B);
      for (let by = chunk.origin[1] / B; by < by1; by++) {
        for (let bx = 0; bx < geo.bricks[0]; bx++) {
          const b: Vec3 = [bx, by, bz];
          const idx = linearBrick(geo, b);
          const box = brickBox(geo.dims, B, b);
          const nbytes = box.size[0] * box.size[1] * box.size[2] * bpv;
          const curBytes = pool.take(nbytes);
          const cur = viewTyped(field.dtype, curBytes);
          const local: Vec3 = [box.min[0], box.min[1] - chunk.origin[1], box.min[2] - chunk.origin[2]];
          extractBrick(chunk.data, chunk.dims, local, box.size, cur);
          if (k === 0) probe?.brick(fi, t, b, box.size, curBytes);
          const s = brickStats(cur, field.kind, fill);
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
          // Kept for the next timestep before the bytes go to a worker.
          if (rawOut) rawAt[k][idx] = rawOut.append(curBytes);
          let ref: Uint8Array | undefined;
          if (old && rawIn && old.rawAt[k][idx] >= 0) {
            const pe = old.entries[k][idx];
            const oldBytes = rawIn.readInto(old.rawAt[k][idx], pool.take(nbytes));
            if (Buffer.compare(curBytes, oldBytes) === 0) {
              pool.give(curBytes);
              pool.give(oldBytes);
              entries[k][idx] = { ...pe, dedup: true };
              depth[k][idx] = old.depth[k][idx];
              stats.dedup++;
              dedupBytes += pe.length;
              continue;
            }
            if (useDelta && old.depth[k][idx] + 1 <= maxChain) ref = oldBytes;
            else pool.give(oldBytes);
          }
          const encoded = pool.encode({ cur: curBytes, ref, size: bpv, keepRatio: DELTA_KEEP_RATIO });
          encoded.catch(() => {}); // rejection surfaces when committed
          const jobBytes = ref ? 2 * nbytes : nbytes;
          queue.push({
            bytes: jobBytes,
            run: async () => {
              const { stored, encoding, checksum } = await encoded;
              let refT = 0;
              if (encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
                refT = t - 1;
                depth[k][idx] = old!.depth[k][idx] + 1;
                stats.delta++;
              }
              // Offset in the brick spill until the Morton-order copy below.
              const offset = brickSpill.append(stored);
              stats.brickBytes += stored.length;
              entries[k][idx] = { ...base, encoding, refT, checksum, offset, length: stored.length };
            },
          });
          queuedBytes += jobBytes;
          // Bounded pipeline: about MAX_INFLIGHT bricks (and MAX_INFLIGHT_BYTES) in flight.
          while (queue.length >= MAX_INFLIGHT || queuedBytes > MAX_INFLIGHT_BYTES) await commitOne();
        }
      }
      if (chunk.inputBytes) progress(chunk.inputBytes);
    }
    while (queue.length) await commitOne();
    // Bricks of a (timestep, level) lie along the Morton curve, coarse levels
    // first, so a region read coalesces into few ranges.
    for (let k = L - 1; k >= 0; k--) {
      for (const b of orders[k]) {
        const e = entries[k][linearBrick(geoms[k], b)];
        if (e.encoding === Encoding.UNIFORM || e.dedup) continue;
        if (copyBuf.length < e.length) copyBuf = new Uint8Array(e.length);
        e.offset = sink.append(brickSpill.readInto(e.offset, copyBuf.subarray(0, e.length)));
        await sink.ready();
      }
    }
    brickSpill.reset();
    roots[t * F + fi] = buildPageTree(geoms, entries, fi, t, (raw, isRoot) => {
      if (isRoot && heldBytes + raw.length < plan.rootRoom) {
        const bytes = cz(raw);
        const ref = { offset: -1, length: bytes.length, rawLength: raw.length, checksum: xxhash32(bytes) };
        held.push({ index: t * F + fi, bytes, ref });
        heldBytes += bytes.length;
        return ref;
      }
      return writePage(raw);
    });
    prev[fi] = { entries, depth, rawAt };
  };

  const closeAll = () => {
    for (const f of [...rawSpills, brickSpill]) f.close();
    probe?.close();
  };
  try {
    let t = 0;
    const stepBytes =
      spec.fields.reduce((n, f) => n + bytesPerValue(f.dtype), 0) *
      spec.dims[0] *
      spec.dims[1] *
      spec.dims[2];
    for await (const step of steps as AsyncIterable<TimestepData>) {
      if (t >= T) throw new FlatvoxError("InputError", `more timesteps than the ${T} time values`);
      validateStep(spec, step, t);
      if (T > 1) rawSpills[t % 2].reset();
      if (features && featureField) {
        // Feature extraction labels connected regions over the whole grid: it holds this one field's timestep.
        const whole = await materialize(spec, step.fields[featureField]);
        step.fields[featureField] = whole;
        features.push({ index: t, fields: { [featureField]: whole } });
      }
      for (let fi = 0; fi < F; fi++) {
        const v = step.fields[spec.fields[fi].name];
        const reader = isSlabReader(v) ? v : arraySlabReader(v, spec.dims);
        try {
          await packField(fi, t, reader, (bytes) => {
            stats.inputBytes += bytes;
            // Within a timestep, fractional progress (a 2048³ step takes minutes); whole steps below.
            const done = (stats.inputBytes - t * stepBytes) / stepBytes;
            if (done < 1) {
              opts.onProgress?.({
                step: t + done,
                steps: T,
                bytesIn: stats.inputBytes,
                bytesOut: sink.position,
              });
            }
          });
        } finally {
          if (isSlabReader(v)) await v.close?.();
        }
      }
      probe?.stepDone(t);
      t++;
      opts.onProgress?.({ step: t, steps: T, bytesIn: stats.inputBytes, bytesOut: sink.position });
    }
    if (t !== T) throw new FlatvoxError("InputError", `got ${t} timesteps, times lists ${T}`);
    const extras = [
      ...((await opts.extraSections?.()) ?? []),
      ...(features?.sections() ?? []),
      ...(probe ? [probe.section()] : []),
    ];
    await pool.close();
    closeAll();
    stats.dedupBytes = dedupBytes;
    const size = finish(sink, plan, stats, ranges, roots as PageRef[], held, extras);
    await sink.commit();
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
    closeAll();
    await sink.abandon();
    throw e;
  }
}

/** The whole array of one timestep field (feature extraction needs the grid at once). */
async function materialize(spec: DatasetSpec, v: TypedArray | SlabReader): Promise<TypedArray> {
  if (!isSlabReader(v)) return v;
  try {
    return await v.read(0, spec.dims[2], 0, spec.dims[1]);
  } finally {
    await v.close?.();
  }
}

/** Free space where the scratch files go: two raw timesteps (with their pyramids) and one encoded field. */
function checkDiskSpace(spec: DatasetSpec, geoms: LevelGeometry[], dir: string, T: number): void {
  let perStep = 0;
  for (const f of spec.fields) {
    const bpv = bytesPerValue(f.dtype);
    for (const g of geoms) perStep += g.dims[0] * g.dims[1] * g.dims[2] * bpv;
  }
  const need = (T > 1 ? 2 : 0) * perStep + perStep / spec.fields.length;
  let free: number;
  try {
    const st = statfsSync(dir);
    free = Number(st.bavail) * Number(st.bsize);
  } catch {
    return; // unknown: nothing to check
  }
  if (free < need) {
    throw new FlatvoxError(
      "InputError",
      `packing needs about ${(need / 2 ** 30).toFixed(1)} GiB of scratch space in ${dir} (two raw timesteps), ${(free / 2 ** 30).toFixed(1)} GiB free; choose another with --spill-dir`,
    );
  }
}

/** Metadata JSON larger than this moves from the header to its own section. */
const INLINE_METADATA_MAX = 24 << 10;

export interface OpenBlockPlan {
  /** The header without ranges and summary (filled in at the end). */
  header: Header;
  /** Bytes the final header may take (its ranges and summary at their longest). */
  headerRoom: number;
  times: Uint8Array;
  timesRawLength: number;
  timesCompressed: boolean;
  /** The metadata section, when the metadata did not fit the header. */
  metadata?: { stored: Uint8Array; rawLength: number };
  /** Bytes of the open block left for root pages. */
  rootRoom: number;
}

/**
 * Lay out the open block before any data is read: header (with room for its
 * final ranges and summary), time values (shuffled and compressed when raw
 * ones do not fit), metadata inline or in its own section. Fails early, with
 * what to change, when even that does not fit.
 */
export function planOpenBlock(
  spec: DatasetSpec,
  B: number,
  L: number,
  cz: (d: Uint8Array) => Uint8Array,
  writer?: string,
): OpenBlockPlan {
  const fields: FieldInfo[] = spec.fields.map((f) => ({
    name: f.name,
    dtype: f.dtype,
    kind: f.kind,
    units: f.units ?? "",
    fill: f.fill ?? null,
    description: f.description ?? "",
    range: null,
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
    writer: writer ?? `flatvox fvx ${VERSION_MAJOR}.${VERSION_MINOR}`,
  };
  const longest = -Number.MAX_VALUE;
  const worst = (h: Header) =>
    encodeHeader({
      ...h,
      fields: h.fields.map((f) => ({ ...f, range: [longest, longest] })),
      summary: {
        bricks: longest,
        uniform: longest,
        dedup: longest,
        delta: longest,
        inputBytes: longest,
        brickBytes: longest,
        dedupBytes: longest,
      },
    }).length;
  let metadata: OpenBlockPlan["metadata"];
  const metaJson = new TextEncoder().encode(JSON.stringify(header.metadata));
  const T = spec.times.length;
  const rawTimes = encodeTimes(spec.times);
  let times = rawTimes;
  let timesCompressed = false;
  const dirBytes = (extra: number) => 32 + (5 + extra) * 32;
  const fits = (h: number, tb: number) => dirBytes(3) + h + tb <= OPEN_BLOCK_SIZE;
  if (metaJson.length > INLINE_METADATA_MAX || !fits(worst(header), rawTimes.length)) {
    if (!fits(worst(header), rawTimes.length)) {
      times = cz(shuffle(rawTimes, 8));
      timesCompressed = true;
    }
    if (metaJson.length > INLINE_METADATA_MAX || !fits(worst(header), times.length)) {
      metadata = { stored: cz(metaJson), rawLength: metaJson.length };
      header.metadata = {};
      header.metadataSection = true;
    }
  }
  const headerRoom = worst(header);
  if (!fits(headerRoom, times.length)) {
    throw new FlatvoxError(
      "InputError",
      `the header (${headerRoom} bytes: ${spec.fields.length} fields, their attributes) and ${T} time values (${times.length} bytes) do not fit the 64 KiB open block; shorten field attributes or split the time series`,
    );
  }
  const used = dirBytes(3) + headerRoom + times.length;
  return {
    header,
    headerRoom,
    times,
    timesRawLength: rawTimes.length,
    timesCompressed,
    metadata,
    rootRoom: Math.max(
      0,
      Math.min(OPEN_BLOCK_SIZE / 2, OPEN_BLOCK_SIZE - used - T * spec.fields.length * 24),
    ),
  };
}

/** Write extras, the temporal index and the open block; returns the file size (also used by merge). */
export function finish(
  sink: Sink,
  plan: OpenBlockPlan,
  summary: PackSummary,
  ranges: [number, number][],
  roots: PageRef[],
  held: { index: number; bytes: Uint8Array; ref: PageRef }[],
  extras: {
    kind: number;
    bytes: Uint8Array;
    optional?: boolean;
    openBlock?: boolean;
    rawLength?: number;
    compressed?: boolean;
  }[],
): number {
  const header: Header = {
    ...plan.header,
    fields: plan.header.fields.map((f, i) => ({
      ...f,
      range: ranges[i][0] <= ranges[i][1] ? ranges[i] : null,
    })),
    summary,
  };
  const headerBytes = encodeHeader(header);
  if (headerBytes.length > plan.headerRoom) throw new Error("header outgrew its planned room"); // a bug, not input
  const times = plan.times;
  if (plan.metadata) {
    extras = [
      ...extras,
      {
        kind: SectionKind.METADATA,
        bytes: plan.metadata.stored,
        rawLength: plan.metadata.rawLength,
        compressed: true,
      },
    ];
  }
  const rootsLength = roots.length * 24;
  // header, time values, timestep roots, body, extras.
  const dirCount = 4 + extras.length;
  const fixed = 32 + dirCount * 32 + headerBytes.length + times.length;
  if (fixed > OPEN_BLOCK_SIZE) throw new Error("open block outgrew its plan"); // planOpenBlock checked this
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
  sections.push(sectionEntry(SectionKind.HEADER, 0, headerAt, headerBytes));
  sections.push(
    sectionEntry(
      SectionKind.TIME_VALUES,
      plan.timesCompressed ? SECTION_ZSTD : 0,
      headerAt + headerBytes.length,
      times,
      plan.timesRawLength,
    ),
  );
  const rootBytes = encodeRoots(roots);
  const rootsAt = rootsInside ? fixed : sink.append(rootBytes);
  sections.push(sectionEntry(SectionKind.TIMESTEP_ROOTS, 0, rootsAt, rootBytes));
  for (const x of extras) {
    // Small sections a reader needs early (e.g. the feature directory) ride in the open block when it has room.
    const inBlock =
      (x.openBlock === true || x.kind === SectionKind.METADATA) && cursor + x.bytes.length <= OPEN_BLOCK_SIZE;
    if (inBlock) {
      inside.push({ at: cursor, bytes: x.bytes });
      cursor += x.bytes.length;
    }
    const at = inBlock ? cursor - x.bytes.length : sink.append(x.bytes);
    const flags = (x.optional === false ? 0 : SECTION_OPTIONAL) | (x.compressed ? SECTION_ZSTD : 0);
    sections.push(sectionEntry(x.kind, flags, at, x.bytes, x.rawLength));
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
