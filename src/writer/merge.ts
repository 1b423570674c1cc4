/**
 * `mergeParts`: assemble the parts written by `packPart` into one dataset.
 * Brick bytes are copied as stored (never decoded), in the order a single
 * packer writes them; hierarchy pages and roots are rebuilt with the new
 * offsets, global timesteps and `refT`; the open block is written last, as
 * the packer does. Across a part boundary, a first-timestep brick whose
 * stored bytes equal the previous step's plainly stored brick becomes a
 * dedup entry again (docs/SCALE.md "What merge recovers"). Features are
 * extracted and tracked over the whole run here, from the feature field's
 * level-0 voxels, so tracks cross part boundaries exactly as in one pack.
 */
import { closeSync, readSync } from "node:fs";
import { createByteFilters } from "../core/byte-filters";
import type { BrickEntry } from "../format/brick-entry";
import { Encoding, OPEN_BLOCK_SIZE } from "../format/constants";
import { levelGeometry, mortonOrder } from "../format/grid";
import type { Header, PackSummary } from "../format/header";
import { linearBrick, type PageRef } from "../format/hierarchy";
import type { ProbeChunkRef } from "../format/probe";
import { xxhash32 } from "../format/xxhash32";
import { initZstd } from "../format/zstd";
import { loadCompressor } from "../format/zstd-compress";
import { createFeatureCollector, type PackFeatureOptions } from "../index/pack-features";
import { checkSectionChecksum } from "../reader/open-block";
import { openDataset } from "../reader/open-dataset";
import { FlatvoxError } from "../shared/errors";
import { kernelsFromEnv } from "./compress-pool";
import { type FvxFile, openFvxFile, readAt, readEntries, specFromHeader } from "./fvx-file";
import type { DatasetSpec, ExtraSection } from "./pack-types";
import { finish, planOpenBlock } from "./packer";
import { buildPageTree } from "./page-tree";
import { decodePartInfo, PART_SECTION_KIND, type PartInfo } from "./part";
import {
  copyProbeGroups,
  type ProbeGroupOut,
  probeSection,
  readProbeIndex,
  sameProbeLayout,
} from "./probe-copy";
import { isS3Url, type S3Options, S3Sink, type S3SinkStats, s3GetRange, s3ReadUrl } from "./s3";
import { type S3Shadow, shadowS3Dataset } from "./s3-shadow";
import { openOutputSink, type Sink } from "./sink";

export interface MergeOptions {
  /** Features to write instead of those the parts ask for (e.g. instances from a file); null: none. */
  features?: PackFeatureOptions | null;
  /** zstd level of the rebuilt hierarchy pages. Default 1. */
  zstdLevel?: number;
  /** Check every copied brick's xxHash32 against its entry (a damaged part fails the merge). Default true. */
  checkBricks?: boolean;
  onProgress?: (p: { step: number; steps: number; bytesOut: number }) => void;
  /** Object-storage settings for s3:// parts and output. */
  s3?: S3Options;
}

export interface MergeReport {
  parts: number;
  timesteps: number;
  bytesOut: number;
  /** Brick bytes copied from the parts. */
  copiedBytes: number;
  /** First-timestep bricks turned back into dedup entries, and the bytes that saved. */
  recovered: { bricks: number; bytes: number };
  seconds: number;
  /** Seconds spent copying bricks and rebuilding pages (features excluded). */
  copySeconds: number;
  /** S3 output: what was uploaded, what the store copied itself, what was read back. */
  s3?: S3SinkStats & { partMetadataBytes: number };
}

interface OpenPart extends FvxFile {
  info: PartInfo;
  /** An s3:// part: its object (the FvxFile is a local shadow of its metadata, s3-shadow.ts). */
  s3?: S3Shadow;
  /** What the reader opens to read the part's voxels (the path, or a presigned URL). */
  readPath: string;
}

/** Sequential reads through an 8 MiB window: bricks are copied in file order. */
export class WindowReader {
  private buf = new Uint8Array(8 << 20);
  private start = 0;
  private end = 0;
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}
  read(offset: number, length: number): Uint8Array {
    if (offset >= this.start && offset + length <= this.end) {
      return this.buf.subarray(offset - this.start, offset - this.start + length);
    }
    if (length > this.buf.length) return readAt(this.fd, offset, length);
    const want = Math.min(this.buf.length, this.size - offset);
    if (want < length)
      throw new FlatvoxError("TruncatedError", "brick ends past the file's end", { offset, length });
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, this.buf, got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    this.start = offset;
    this.end = offset + got;
    if (got < length)
      throw new FlatvoxError("TruncatedError", "brick ends past the file's end", { offset, length });
    return this.buf.subarray(0, length);
  }
}

function openPart(path: string, readPath = path, s3?: S3Shadow): OpenPart {
  const f = openFvxFile(path);
  try {
    const partSec = f.sections.find((s) => s.kind === PART_SECTION_KIND);
    if (!partSec) throw new FlatvoxError("InputError", `${path} is not a part (written without --part)`);
    const partBytes = readAt(f.fd, partSec.offset, partSec.length);
    checkSectionChecksum(partBytes, partSec);
    return { ...f, info: decodePartInfo(partBytes, s3?.url ?? path), s3, readPath, path: s3?.url ?? path };
  } catch (e) {
    closeSync(f.fd);
    throw e;
  }
}

/** Parts in order, checked to form one dataset: every index once, contiguous timesteps, the same grid and fields. */
function checkParts(parts: OpenPart[]): OpenPart[] {
  const sorted = [...parts].sort((a, b) => a.info.part - b.info.part);
  const first = sorted[0];
  const N = first.info.parts;
  if (sorted.length !== N) {
    const have = new Set(sorted.map((p) => p.info.part));
    const missing = [...Array(N).keys()].filter((i) => !have.has(i));
    throw new FlatvoxError(
      "InputError",
      `got ${sorted.length} parts of ${N}${missing.length ? `; missing part ${missing.join(", ")}` : ""}`,
    );
  }
  let t = 0;
  const shape = (h: Header) =>
    JSON.stringify([
      h.dims,
      h.brickSize,
      h.levelCount,
      h.fields.map((f) => [f.name, f.dtype, f.kind, f.fill]),
    ]);
  for (let i = 0; i < N; i++) {
    const p = sorted[i];
    if (p.info.part !== i || p.info.parts !== N)
      throw new FlatvoxError(
        "InputError",
        `${p.path} is part ${p.info.part}/${p.info.parts}, expected part ${i}/${N}`,
      );
    if (p.info.t0 !== t || p.info.timeCount !== first.info.timeCount)
      throw new FlatvoxError(
        "InputError",
        `${p.path} starts at timestep ${p.info.t0} of ${p.info.timeCount}, expected ${t} of ${first.info.timeCount}`,
      );
    if (shape(p.header) !== shape(first.header))
      throw new FlatvoxError(
        "InputError",
        `${p.path} has another grid, brick size or fields than ${first.path}`,
      );
    if (i > 0 && !(p.times[0] > sorted[i - 1].times[sorted[i - 1].times.length - 1]))
      throw new FlatvoxError("InputError", `${p.path}: its first time is not after the previous part's last`);
    t += p.times.length;
  }
  if (t !== first.info.timeCount)
    throw new FlatvoxError(
      "InputError",
      `parts hold ${t} timesteps, the dataset has ${first.info.timeCount}`,
    );
  return sorted;
}

export async function mergeParts(
  paths: string[],
  outPath: string,
  opts: MergeOptions = {},
): Promise<MergeReport> {
  const started = performance.now();
  if (paths.length === 0) throw new FlatvoxError("InputError", "merge: no parts given");
  await initZstd();
  const remote = paths.filter(isS3Url).length;
  if (remote > 0 && (remote < paths.length || !isS3Url(outPath)))
    throw new FlatvoxError(
      "InputError",
      "merge: parts in object storage are merged into object storage (-o s3://...), all of them; copy the parts to local disk to merge into a file",
    );
  const opened: OpenPart[] = [];
  const shadows: S3Shadow[] = [];
  try {
    for (const p of paths) {
      if (isS3Url(p)) {
        const sh = await shadowS3Dataset(p, opts.s3);
        shadows.push(sh);
        opened.push(openPart(sh.path, await s3ReadUrl(p, opts.s3), sh));
      } else opened.push(openPart(p));
    }
    const parts = checkParts(opened);
    return await mergeOpen(parts, outPath, opts, started);
  } finally {
    for (const p of opened) closeSync(p.fd);
    for (const s of shadows) s.remove();
  }
}

async function mergeOpen(
  parts: OpenPart[],
  outPath: string,
  opts: MergeOptions,
  started: number,
): Promise<MergeReport> {
  const h0 = parts[0].header;
  const F = h0.fields.length;
  const B = h0.brickSize;
  const geoms = levelGeometry(h0.dims, B);
  const L = geoms.length;
  const orders = geoms.map((g) => mortonOrder(g.bricks));
  const times = parts.flatMap((p) => p.times);
  const T = times.length;
  const spec = specFromHeader(h0, times, parts[0].metadata);
  const { compress } = await loadCompressor();
  const level = opts.zstdLevel ?? 1;
  const cz = (d: Uint8Array) => compress(d, level);
  const plan = planOpenBlock(spec, B, L, cz, h0.writer);
  const check = opts.checkBricks ?? true;
  // The brick check hashes every copied byte: on the WASM kernel (SIMD where supported, FLATVOX_KERNELS
  // picks one) it runs at several GB/s, so the merge stays bound by the disk rather than by hashing.
  const filters = await createByteFilters({ implementation: kernelsFromEnv() });

  const summary: PackSummary = {
    bricks: 0,
    uniform: 0,
    dedup: 0,
    delta: 0,
    inputBytes: 0,
    brickBytes: 0,
    dedupBytes: 0,
  };
  const ranges: [number, number][] = h0.fields.map(() => [
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ]);
  for (const p of parts) {
    const s = p.header.summary;
    if (s)
      for (const k of Object.keys(summary) as (keyof PackSummary)[])
        summary[k] = (summary[k] ?? 0) + (s[k] ?? 0);
    p.header.fields.forEach((f, i) => {
      if (!f.range) return;
      ranges[i][0] = Math.min(ranges[i][0], f.range[0]);
      ranges[i][1] = Math.max(ranges[i][1], f.range[1]);
    });
  }

  const sink = openOutputSink(outPath, { s3: opts.s3 });
  // Parts and output in object storage: the store copies each part's body whole (S3Sink.copyRange);
  // bricks keep their place within it, the part's old pages stay as unreferenced bytes.
  const bodyCopy = sink instanceof S3Sink && parts.every((p) => p.s3);
  const roots: PageRef[] = new Array(T * F);
  const held: { index: number; bytes: Uint8Array; ref: PageRef }[] = [];
  let heldBytes = 0;
  const recovered = { bricks: 0, bytes: 0 };
  let copiedBytes = 0;
  let copySeconds = 0;
  try {
    // Per field: the previous timestep's merged entries and where their stored bytes are (part fd, offset).
    const prevEntries: (BrickEntry[][] | undefined)[] = new Array(F);
    const prevSrc: ({ fd: number; offset: number }[][] | undefined)[] = new Array(F);
    const bodyBases: number[] = [];
    for (const p of parts) {
      const reader = new WindowReader(p.fd, p.size);
      let bodyBase = 0;
      if (bodyCopy && p.size > OPEN_BLOCK_SIZE) {
        bodyBase = await (sink as S3Sink).copyRange(p.s3!.url, OPEN_BLOCK_SIZE, p.size);
        copiedBytes += p.size - OPEN_BLOCK_SIZE;
      }
      bodyBases.push(bodyBase);
      for (let lt = 0; lt < p.times.length; lt++) {
        const t = p.info.t0 + lt;
        for (let fi = 0; fi < F; fi++) {
          const old = readEntries(p, geoms, fi, lt, p.roots[lt * F + fi]);
          const entries: BrickEntry[][] = geoms.map(
            (g) => new Array(g.bricks[0] * g.bricks[1] * g.bricks[2]),
          );
          const src: { fd: number; offset: number }[][] = geoms.map(() => []);
          const pe = prevEntries[fi];
          const ps = prevSrc[fi];
          for (let k = L - 1; k >= 0; k--) {
            for (const b of orders[k]) {
              const idx = linearBrick(geoms[k], b);
              const e = old[k][idx];
              if (e.encoding === Encoding.UNIFORM) {
                entries[k][idx] = e;
                continue;
              }
              if (e.dedup) {
                // The packer copied the previous timestep's entry: copy its merged form.
                if (!pe) throw corrupt(p, "dedup brick at a part's first timestep", e.offset);
                entries[k][idx] = { ...pe[k][idx], dedup: true };
                src[k][idx] = ps![k][idx];
                continue;
              }
              if (bodyCopy) {
                if (e.offset < OPEN_BLOCK_SIZE || e.offset + e.length > p.size)
                  throw corrupt(p, "brick outside the part's body", e.offset);
                entries[k][idx] = {
                  ...e,
                  offset: bodyBase + e.offset - OPEN_BLOCK_SIZE,
                  refT: e.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD ? e.refT + p.info.t0 : 0,
                };
                continue;
              }
              if (lt === 0 && pe && ps) {
                const q = pe[k][idx];
                if (
                  e.encoding === Encoding.SHUFFLE_ZSTD &&
                  q.encoding === Encoding.SHUFFLE_ZSTD &&
                  q.length === e.length &&
                  q.checksum === e.checksum &&
                  Buffer.compare(
                    readAt(p.fd, e.offset, e.length),
                    readAt(ps[k][idx].fd, ps[k][idx].offset, q.length),
                  ) === 0
                ) {
                  entries[k][idx] = { ...q, dedup: true };
                  src[k][idx] = ps[k][idx];
                  recovered.bricks++;
                  recovered.bytes += e.length;
                  continue;
                }
              }
              const bytes = reader.read(e.offset, e.length);
              if (check && filters.checksum(bytes) !== e.checksum)
                throw new FlatvoxError("ChecksumError", `${p.path}: brick checksum mismatch`, {
                  section: "brick",
                  offset: e.offset,
                  length: e.length,
                });
              const offset = sink.append(bytes);
              copiedBytes += e.length;
              entries[k][idx] = {
                ...e,
                offset,
                refT: e.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD ? e.refT + p.info.t0 : 0,
              };
              src[k][idx] = { fd: p.fd, offset: e.offset };
            }
          }
          roots[t * F + fi] = buildPageTree(geoms, entries, fi, t, (raw, isRoot) => {
            const stored = cz(raw);
            const ref = {
              offset: -1,
              length: stored.length,
              rawLength: raw.length,
              checksum: xxhash32(stored),
            };
            if (isRoot && heldBytes + raw.length < plan.rootRoom) {
              held.push({ index: t * F + fi, bytes: stored, ref });
              heldBytes += stored.length;
              return ref;
            }
            ref.offset = sink.append(stored);
            return ref;
          });
          prevEntries[fi] = entries;
          prevSrc[fi] = src;
        }
        opts.onProgress?.({ step: t + 1, steps: T, bytesOut: sink.position });
        await sink.ready();
      }
    }
    copySeconds = (performance.now() - started) / 1000;
    summary.dedup += recovered.bricks;
    summary.brickBytes -= recovered.bytes;
    summary.dedupBytes = (summary.dedupBytes ?? 0) + recovered.bytes;
    const extras: ExtraSection[] = [
      ...(await mergedFeatures(parts, spec, opts)),
      ...(await mergedProbe(parts, sink, bodyCopy ? bodyBases : undefined, opts.s3)),
    ];
    const size = finish(sink, plan, summary, ranges, roots, held, extras);
    await sink.commit();
    return {
      ...(sink instanceof S3Sink
        ? {
            s3: {
              ...sink.stats,
              partMetadataBytes: parts.reduce((n, p) => n + (p.s3?.readBytes ?? 0), 0),
            },
          }
        : {}),
      parts: parts.length,
      timesteps: T,
      bytesOut: size,
      copiedBytes,
      recovered,
      seconds: (performance.now() - started) / 1000,
      copySeconds,
    };
  } catch (e) {
    await sink.abandon();
    throw e;
  }
}

function corrupt(p: OpenPart, what: string, offset: number): FlatvoxError {
  return new FlatvoxError("FormatError", `${p.path}: ${what}`, { section: "hierarchy", offset });
}

/**
 * The parts' probe indices, chunks copied and groups moved to the merged time
 * axis (none when the parts have none). Parts whose bodies the store copied
 * whole (`bodyBases`: where each body starts in the output) already hold
 * their chunks there: the index only moves their offsets, the bytes (and the
 * checksums that cover them, checked by every reader) stay as they were. A
 * chunk outside a part's body is read from the store and appended.
 */
async function mergedProbe(
  parts: OpenPart[],
  sink: Sink,
  bodyBases: number[] | undefined,
  s3: S3Options | undefined,
): Promise<ExtraSection[]> {
  const indices = parts.map((p) => readProbeIndex(p));
  if (
    !sameProbeLayout(
      parts.map((p) => p.path),
      indices,
    )
  )
    return [];
  const groups: ProbeGroupOut[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const index = indices[i]!;
    if (!p.s3) {
      groups.push(
        ...copyProbeGroups(
          p.path,
          index,
          (o, l) => readAt(p.fd, o, l),
          (b) => sink.append(b),
          p.info.t0,
        ),
      );
      continue;
    }
    if (!bodyBases) throw new Error("merge: a part in object storage without its body copied"); // mergeParts never does this
    const base = bodyBases[i];
    for (const g of index.groups) {
      const refs: ProbeChunkRef[][] = [];
      for (const field of g.refs) {
        const out: ProbeChunkRef[] = [];
        for (const r of field) {
          if (r.offset >= OPEN_BLOCK_SIZE && r.offset + r.length <= p.size) {
            out.push({ ...r, offset: base + r.offset - OPEN_BLOCK_SIZE });
            continue;
          }
          const bytes = await s3GetRange(p.s3.url, r.offset, r.offset + r.length, s3);
          if (xxhash32(bytes) !== r.checksum)
            throw new FlatvoxError("ChecksumError", `${p.path}: probe chunk checksum mismatch`, {
              section: "probe-index",
              offset: r.offset,
              length: r.length,
            });
          out.push({ ...r, offset: sink.append(bytes) });
        }
        refs.push(out);
      }
      groups.push({ t0: g.t0 + p.info.t0, count: g.count, refs });
    }
  }
  const head = indices[0]!.head;
  return [probeSection(head.chunk, head.fields, head.chunksPerField, groups)];
}

/**
 * Features of the merged run: extracted and tracked over all timesteps from
 * the feature field's level-0 voxels (read back from the parts), the same
 * computation a single packer does while streaming.
 */
async function mergedFeatures(
  parts: OpenPart[],
  spec: DatasetSpec,
  opts: MergeOptions,
): Promise<ExtraSection[]> {
  const fo = opts.features === null ? undefined : (opts.features ?? parts[0].info.features);
  if (!fo) return [];
  const collector = createFeatureCollector(spec, fo);
  if (!fo.instances) {
    const name = fo.field ?? spec.fields[0].name;
    for (const p of parts) {
      const ds = await openDataset(p.readPath, { workers: false });
      try {
        for (let lt = 0; lt < p.times.length; lt++) {
          const data = await ds.readRegion({ field: name, t: lt, box: { min: [0, 0, 0], max: spec.dims } });
          collector.push({ index: p.info.t0 + lt, fields: { [name]: data } });
        }
      } finally {
        await (ds.source as { close?(): Promise<void> }).close?.();
      }
    }
  }
  return collector.sections();
}
