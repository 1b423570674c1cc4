/**
 * `appendTimesteps`: add timesteps to an existing .fvx without rewriting its
 * body. New bricks and hierarchy pages go after the end of the file (dedup
 * and delta against the last existing timestep, exactly as one packer would
 * do), then the open block is replaced by one positional write. Until that
 * write the old open block references only old bytes, so a crash at any
 * point leaves the old dataset (with unreferenced bytes at its end) or the
 * new one. docs/FORMAT.md "Appending".
 *
 * An object in S3 (`s3://bucket/key`) cannot be changed, only replaced
 * whole: the grown dataset is written as a new version of the same key by a
 * multipart upload whose parts are the old body copied by the store
 * (UploadPartCopy, the bytes never come to this process but for what fills
 * the first part), then the new bricks and pages, then the rewritten open
 * block, and completing the upload replaces the object in one step (only if
 * its ETag is still the one read at the start). Until then readers see the
 * old object; a crash leaves it as it was, plus an unfinished upload the
 * store drops (lifecycle rule). docs/SCALE.md "Appending in object storage".
 */
import { closeSync, readdirSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { BrickEntry } from "../format/brick-entry";
import {
  Encoding,
  LIMITS,
  OPEN_BLOCK_SIZE,
  SECTION_OPTIONAL,
  SECTION_ZSTD,
  SectionKind,
} from "../format/constants";
import type { ExtraSection } from "../format/extra-section";
import { levelGeometry, mortonOrder } from "../format/grid";
import { encodeHeader, type Header, type PackSummary } from "../format/header";
import { encodePage, linearBrick, type PageRef, pageLayout } from "../format/hierarchy";
import { encodePreamble, type SectionEntry, sectionEntry } from "../format/preamble";
import { encodeRoots } from "../format/temporal";
import { xxhash32 } from "../format/xxhash32";
import { initZstd } from "../format/zstd";
import { loadCompressor } from "../format/zstd-compress";
import { createFeatureCollector, type PackFeatureOptions } from "../index/pack-features";
import type { Dataset } from "../reader/dataset";
import { openDataset } from "../reader/open-dataset";
import { FlatvoxError } from "../shared/errors";
import { bytesPerValue, type Vec3 } from "../shared/types";
import { encodeBrick } from "./brick-job";
import { FileSink } from "./file-sink";
import { type FvxFile, openFvxFile, readEntries, specFromHeader } from "./fvx-file";
import { WindowReader } from "./merge";
import type { FieldSpec, PackOptions, SlabReader, TimestepData, TimestepSource } from "./pack-types";
import { packDataset, planOpenBlock } from "./packer";
import { copyProbeGroups, probeSection, readProbeIndex } from "./probe-copy";
import { isS3Url, type S3Options, S3Sink, type S3SinkStats, s3Head, s3ReadUrl } from "./s3";
import { type S3Shadow, shadowS3Dataset } from "./s3-shadow";

export interface AppendInput {
  /** Time values of the new timesteps: strictly increasing, after the dataset's last. */
  times: number[];
  /** The new timesteps, in order (index 0 = the first new one), fields by name. */
  steps: TimestepSource;
  /** The fields the input provides (checked against the dataset's: names, dtypes, kinds). */
  fields?: Pick<FieldSpec, "name" | "dtype" | "kind">[];
}

export type AppendOptions = Pick<
  PackOptions,
  "zstdLevel" | "delta" | "maxDeltaChain" | "workers" | "bandBytes" | "spillDir"
> & {
  /**
   * Features as the dataset was packed with (`flatvox pack --features …`): they
   * are extracted and tracked again over every timestep, old and new, so the
   * feature sections equal those of one pack of all steps (tracks continue
   * across the append). Without it the old feature sections are kept as they
   * are, covering the old timesteps only.
   */
  features?: PackFeatureOptions;
  /** Called after the new bytes are durable and before the open block is replaced (tests inject crashes here). */
  beforeOpenBlock?: () => void | Promise<void>;
  /** Object-storage settings for an s3:// dataset. */
  s3?: S3Options;
};

export interface AppendReport {
  added: number;
  timesteps: number;
  bytesOut: number;
  /** Bytes written after the old end of the file. */
  appendedBytes: number;
  seconds: number;
  /** An s3:// dataset: what was uploaded, copied by the store, read back; the object's ETag before and after. */
  s3?: S3SinkStats & { metadataBytes: number; etagBefore?: string; etagAfter?: string };
}

/** Reads one timestep field of an open dataset slab by slab (the reference step for dedup and delta). */
function regionSlabs(ds: Dataset, field: string, t: number, dims: Vec3): SlabReader {
  return {
    dims,
    read: (z0, nz, y0, ny) =>
      ds.readRegion({ field, t, box: { min: [0, y0, z0], max: [dims[0], y0 + ny, z0 + nz] } }),
  };
}

function bad(message: string): never {
  throw new FlatvoxError("InputError", message);
}

/** The header, time values and metadata of a dataset in a file or object (what `flatvox append` needs to read its inputs). */
export async function readDatasetHead(
  path: string,
  s3?: S3Options,
): Promise<Pick<FvxFile, "header" | "times" | "metadata">> {
  const shadow = isS3Url(path) ? await shadowS3Dataset(path, s3) : undefined;
  try {
    const f = openFvxFile(shadow?.path ?? path);
    closeSync(f.fd);
    return { header: f.header, times: f.times, metadata: f.metadata };
  } finally {
    shadow?.remove();
  }
}

/**
 * Scratch files an append killed mid-way left beside the dataset
 * (`<file>.append-<pid>.tmp`, and its packer's `.partial-<pid>`): removed when
 * the process that wrote them is gone. Returns the names removed.
 */
export function removeStaleScratch(path: string): string[] {
  const prefix = `${basename(path)}.append-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)\.tmp/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    try {
      unlinkSync(join(dirname(path), name));
      removed.push(name);
    } catch {}
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function appendTimesteps(
  path: string,
  input: AppendInput,
  opts: AppendOptions = {},
): Promise<AppendReport> {
  const started = performance.now();
  const remote = isS3Url(path);
  if (!remote) removeStaleScratch(path);
  await initZstd();
  // An object: its ETag now (the upload replaces only this version), a local shadow of its metadata, a URL to read voxels.
  let etagBefore: string | undefined;
  let shadow: S3Shadow | undefined;
  if (remote) {
    etagBefore = (await s3Head(path, opts.s3)).etag;
    shadow = await shadowS3Dataset(path, opts.s3);
  }
  let readPath = path;
  let old: FvxFile;
  try {
    if (remote) readPath = await s3ReadUrl(path, opts.s3);
    old = shadow ? { ...openFvxFile(shadow.path), path } : openFvxFile(path, "r+");
  } catch (e) {
    shadow?.remove();
    throw e;
  }
  const tmp = shadow ? join(dirname(shadow.path), "append.tmp") : `${path}.append-${process.pid}.tmp`;
  const closers: (() => unknown)[] = [];
  let s3sink: S3Sink | undefined;
  try {
    const h = old.header;
    const T = old.times.length;
    const F = h.fields.length;
    const n = input.times.length;
    const last = old.times[T - 1];
    if (n === 0) bad("append: no timesteps given");
    input.times.forEach((x, i) => {
      if (!Number.isFinite(x) || x <= (i === 0 ? last : input.times[i - 1]))
        bad(
          `append: time values must be finite and strictly increasing after the dataset's last (${last}); got ${JSON.stringify(input.times)}`,
        );
    });
    if (T + n > LIMITS.maxTimesteps)
      bad(`append: ${T} + ${n} timesteps exceed the format's ${LIMITS.maxTimesteps}`);
    for (const f of input.fields ?? []) {
      const have = h.fields.find((x) => x.name === f.name);
      if (!have)
        bad(
          `append: the dataset has no field ${JSON.stringify(f.name)} (it has ${h.fields.map((x) => x.name).join(", ")})`,
        );
      if (have.dtype !== f.dtype || have.kind !== f.kind)
        bad(
          `append: field ${f.name} is ${have.dtype} ${have.kind} in the dataset, ${f.dtype} ${f.kind} in the input`,
        );
    }
    const B = h.brickSize;
    const geoms = levelGeometry(h.dims, B);
    const L = geoms.length;
    const orders = geoms.map((g) => mortonOrder(g.bricks));
    const maxChain = opts.maxDeltaChain ?? 1;

    // 1. Pack [last existing step, new steps...] to a scratch file: the packer
    // then dedups and deltas the first new step against the last existing one.
    const ds = await openDataset(readPath, { workers: false });
    closers.push(() => (ds.source as { close?(): Promise<void> }).close?.());
    const refStep: TimestepData = {
      index: 0,
      fields: Object.fromEntries(h.fields.map((f) => [f.name, regionSlabs(ds, f.name, T - 1, h.dims)])),
    };
    async function* steps(): AsyncIterable<TimestepData> {
      yield refStep;
      let i = 1;
      for await (const s of input.steps as AsyncIterable<TimestepData>) yield { ...s, index: i++ };
    }
    const scratchSpec = specFromHeader(h, [last, ...input.times], old.metadata);
    // A probe index grows by new groups over the new steps (the scratch's first step is the old last one).
    const oldProbe = readProbeIndex(old);
    const oldGroup = oldProbe ? oldProbe.groups[0].count : 0;
    await packDataset(scratchSpec, steps(), tmp, {
      ...(oldProbe
        ? {
            probe: {
              chunk: oldProbe.head.chunk,
              group: oldProbe.groups.length > 1 ? oldGroup : Math.max(oldGroup, 64),
              firstStep: 1,
            },
          }
        : {}),
      brickSize: B,
      zstdLevel: opts.zstdLevel,
      delta: opts.delta,
      maxDeltaChain: maxChain,
      workers: opts.workers,
      bandBytes: opts.bandBytes,
      spillDir: opts.spillDir,
      writer: h.writer,
    });
    const scratch = openFvxFile(tmp);
    closers.push(() => closeSync(scratch.fd));
    const scratchDs = await openDataset(tmp, { workers: false });
    closers.push(() => (scratchDs.source as { close?(): Promise<void> }).close?.());

    // 2. Copy the new steps' bricks after the end of the file, with new pages.
    const { compress } = await loadCompressor();
    const level = opts.zstdLevel ?? 1;
    const cz = (d: Uint8Array) => compress(d, level);
    const start = Math.max(old.size, OPEN_BLOCK_SIZE);
    let sink: FileSink | S3Sink;
    if (remote) {
      // The new version's first bytes: the old body, copied by the store (the open block comes last).
      s3sink = new S3Sink(path, opts.s3, OPEN_BLOCK_SIZE);
      if (old.size > OPEN_BLOCK_SIZE) await s3sink.copyRange(path, OPEN_BLOCK_SIZE, old.size);
      sink = s3sink;
    } else {
      const fsink = new FileSink(path, start, 4 << 20, "r+");
      closers.push(() => {
        try {
          fsink.close();
        } catch {}
      });
      sink = fsink;
    }
    const reader = new WindowReader(scratch.fd, scratch.size);
    const summary: PackSummary = { ...zeroSummary(), ...(h.summary ?? {}) };
    const roots: PageRef[] = [...old.roots];
    const entryCache = new Map<string, BrickEntry[][]>();
    const oldEntries = (fi: number, t: number) => {
      const key = `${fi}/${t}`;
      let e = entryCache.get(key);
      if (!e) {
        e = readEntries(old, geoms, fi, t, old.roots[t * F + fi]);
        entryCache.set(key, e);
      }
      return e;
    };
    // Delta reads a brick of the last existing step needs (a new delta on top of it adds one).
    const depthOf = (fi: number, k: number, idx: number, e: BrickEntry): number => {
      let d = 0;
      while (e.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD && d <= LIMITS.maxDeltaChain) {
        d++;
        e = oldEntries(fi, e.refT)[k][idx];
      }
      return d;
    };
    const stepBytes =
      h.fields.reduce((s, f) => s + bytesPerValue(f.dtype), 0) * h.dims[0] * h.dims[1] * h.dims[2];
    summary.inputBytes = (summary.inputBytes ?? 0) + n * stepBytes;
    const prev: BrickEntry[][][] = h.fields.map((_, fi) => oldEntries(fi, T - 1));
    for (let lt = 1; lt <= n; lt++) {
      const t = T - 1 + lt;
      for (let fi = 0; fi < F; fi++) {
        const bpv = bytesPerValue(h.fields[fi].dtype);
        const src = readEntries(scratch, geoms, fi, lt, scratch.roots[lt * F + fi]);
        const entries: BrickEntry[][] = geoms.map(() => []);
        for (let k = L - 1; k >= 0; k--) {
          for (const b of orders[k]) {
            const idx = linearBrick(geoms[k], b);
            const e = src[k][idx];
            summary.bricks++;
            if (e.encoding === Encoding.UNIFORM) {
              summary.uniform++;
              entries[k][idx] = e;
              continue;
            }
            if (e.dedup) {
              entries[k][idx] = { ...prev[fi][k][idx], dedup: true };
              summary.dedup++;
              summary.dedupBytes = (summary.dedupBytes ?? 0) + e.length;
              continue;
            }
            let bytes = reader.read(e.offset, e.length);
            let ne: BrickEntry = { ...e, refT: 0 };
            if (e.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
              ne.refT = e.refT + T - 1;
              if (lt === 1 && depthOf(fi, k, idx, prev[fi][k][idx]) + 1 > maxChain) {
                // The reference is itself a delta in the dataset: store this brick plainly.
                const got = await scratchDs.readBrick({ field: fi, t: 1, level: k, brick: b });
                const raw = new Uint8Array(got.data.buffer, got.data.byteOffset, got.data.byteLength);
                const enc = encodeBrick({ cur: raw, size: bpv, keepRatio: 0.7 }, cz);
                bytes = enc.stored;
                ne = {
                  ...e,
                  encoding: Encoding.SHUFFLE_ZSTD,
                  refT: 0,
                  checksum: enc.checksum,
                  length: bytes.length,
                };
              } else summary.delta++;
            }
            ne.offset = sink.append(bytes);
            summary.brickBytes += bytes.length;
            entries[k][idx] = ne;
          }
        }
        const buildPage = (rootLevel: number, root: Vec3): PageRef => {
          const layout = pageLayout(geoms, rootLevel, root);
          const children = layout.childRoots.map((c) => buildPage(layout.bottomLevel, c));
          const nodes: BrickEntry[] = [];
          layout.levels.forEach((list, i) => {
            const lk = rootLevel - i;
            for (const b of list) nodes.push(entries[lk][linearBrick(geoms[lk], b)]);
          });
          const raw = encodePage({ field: fi, t, rootLevel, root }, layout, nodes, children);
          const stored = cz(raw);
          const offset = sink.append(stored);
          return { offset, length: stored.length, rawLength: raw.length, checksum: xxhash32(stored) };
        };
        roots[t * F + fi] = buildPage(L - 1, [0, 0, 0]);
        prev[fi] = entries;
      }
      await s3sink?.ready();
    }
    // 3. The new open block, in one write once everything it references is durable.
    const ranges = h.fields.map((f, i) => {
      const a = f.range;
      const b = scratch.header.fields[i].range;
      if (!a) return b;
      if (!b) return a;
      return [Math.min(a[0], b[0]), Math.max(a[1], b[1])] as [number, number];
    });
    const allTimes = [...old.times, ...input.times];
    const plan = planOpenBlock(specFromHeader(h, allTimes, old.metadata), B, L, cz, h.writer);
    const header: Header = {
      ...plan.header,
      fields: plan.header.fields.map((f, i) => ({ ...f, range: ranges[i] })),
      summary,
    };
    const features = opts.features
      ? await appendedFeatures(ds, scratchDs, specFromHeader(h, allTimes, old.metadata), opts.features, T, n)
      : [];
    let sections = old.sections;
    if (oldProbe) {
      const added = copyProbeGroups(
        tmp,
        readProbeIndex(scratch, 1)!,
        (o, l) => reader.read(o, l),
        (b) => sink.append(b),
        T,
      );
      const head = oldProbe.head;
      const x = probeSection(head.chunk, head.fields, head.chunksPerField, [...oldProbe.groups, ...added]);
      const entry = sectionEntry(x.kind, SECTION_OPTIONAL, sink.append(x.bytes), x.bytes);
      sections = sections.map((s) => (s.kind === SectionKind.PROBE_INDEX ? entry : s));
    }
    const block = assembleOpenBlock({ ...old, sections }, sink, header, plan, roots, features);
    let etagAfter: string | undefined;
    if (s3sink) {
      s3sink.writeAt(0, block);
      await opts.beforeOpenBlock?.();
      try {
        await s3sink.commit({ ifMatch: etagBefore });
      } catch (e) {
        const status = (e as { context?: { status?: number } }).context?.status;
        if (status === 412 || status === 409)
          throw new FlatvoxError(
            "ETagChangedError",
            `append: ${path} changed while appending (another writer); it is left as that writer made it, append again`,
            { url: path },
            { cause: e },
          );
        throw e;
      }
      // The new version is in place: a failed look at its ETag does not make the append fail.
      etagAfter = await s3Head(path, opts.s3).then(
        (x) => x.etag,
        () => undefined,
      );
    } else {
      const fsink = sink as FileSink;
      fsink.sync();
      await opts.beforeOpenBlock?.();
      fsink.writeAt(0, block);
      fsink.sync();
    }
    const size = sink.position;
    return {
      added: n,
      timesteps: T + n,
      bytesOut: size,
      appendedBytes: size - start,
      seconds: (performance.now() - started) / 1000,
      ...(s3sink
        ? { s3: { ...s3sink.stats, metadataBytes: shadow?.readBytes ?? 0, etagBefore, etagAfter } }
        : {}),
    };
  } catch (e) {
    await s3sink?.abandon();
    throw e;
  } finally {
    for (const c of closers.reverse()) await c();
    closeSync(old.fd);
    try {
      unlinkSync(tmp);
    } catch {}
    shadow?.remove();
  }
}

/** Feature sections of the grown dataset: the old timesteps read back from it, the new ones from the scratch pack. */
async function appendedFeatures(
  ds: Dataset,
  scratchDs: Dataset,
  spec: ReturnType<typeof specFromHeader>,
  fo: PackFeatureOptions,
  T: number,
  n: number,
): Promise<ExtraSection[]> {
  const collector = createFeatureCollector(spec, fo);
  if (!fo.instances) {
    const name = fo.field ?? spec.fields[0].name;
    const box = { min: [0, 0, 0] as Vec3, max: spec.dims };
    for (let t = 0; t < T; t++)
      collector.push({ index: t, fields: { [name]: await ds.readRegion({ field: name, t, box }) } });
    // The scratch file's step 0 is the last old one; its steps 1..n are the new ones.
    for (let lt = 1; lt <= n; lt++)
      collector.push({
        index: T - 1 + lt,
        fields: { [name]: await scratchDs.readRegion({ field: name, t: lt, box }) },
      });
  }
  return collector.sections();
}

function zeroSummary(): PackSummary {
  return { bricks: 0, uniform: 0, dedup: 0, delta: 0, inputBytes: 0, brickBytes: 0, dedupBytes: 0 };
}

/**
 * The replacement open block. Sections outside the old open block keep their
 * entries (their bytes never move); sections and root pages that lived inside
 * it are placed again, inside when they fit, else appended first.
 */
function assembleOpenBlock(
  old: FvxFile,
  sink: { readonly position: number; append(bytes: Uint8Array): number },
  header: Header,
  plan: ReturnType<typeof planOpenBlock>,
  roots: PageRef[],
  features: ExtraSection[] = [],
): Uint8Array {
  const headerBytes = encodeHeader(header);
  if (headerBytes.length > plan.headerRoom) throw new Error("header outgrew its planned room"); // a bug, not input
  const core = new Set<number>([
    SectionKind.HEADER,
    SectionKind.TIME_VALUES,
    SectionKind.TIMESTEP_ROOTS,
    SectionKind.BODY,
    SectionKind.METADATA,
  ]);
  // New feature sections replace the old ones of the same kinds (whose bytes stay, unreferenced).
  const replaced = new Set(features.map((x) => x.kind));
  const kept = old.sections.filter((s) => !core.has(s.kind) && !replaced.has(s.kind));
  const dirCount = 4 + kept.length + features.length + (plan.metadata ? 1 : 0);
  const headerAt = 32 + dirCount * 32;
  const fixed = headerAt + headerBytes.length + plan.times.length;
  if (fixed > OPEN_BLOCK_SIZE)
    throw new FlatvoxError(
      "InputError",
      "append: the header and time values no longer fit the 64 KiB open block",
    );
  const rootsLength = roots.length * 24;
  const rootsInside = fixed + rootsLength <= OPEN_BLOCK_SIZE;
  let cursor = fixed + (rootsInside ? rootsLength : 0);
  const inside: { at: number; bytes: Uint8Array }[] = [];
  const place = (bytes: Uint8Array): number => {
    if (cursor + bytes.length <= OPEN_BLOCK_SIZE) {
      inside.push({ at: cursor, bytes });
      cursor += bytes.length;
      return cursor - bytes.length;
    }
    return sink.append(bytes);
  };
  const inOld = (offset: number, length: number) => offset + length <= old.openLength;
  const sections: SectionEntry[] = [];
  for (const s of kept) {
    sections.push(
      inOld(s.offset, s.length) ? { ...s, offset: place(old.block.slice(s.offset, s.offset + s.length)) } : s,
    );
  }
  for (const x of features.filter((f) => f.openBlock)) {
    const at = place(x.bytes);
    sections.push(sectionEntry(x.kind, x.optional === false ? 0 : SECTION_OPTIONAL, at, x.bytes));
  }
  for (const x of features.filter((f) => !f.openBlock)) {
    const at = sink.append(x.bytes);
    sections.push(sectionEntry(x.kind, x.optional === false ? 0 : SECTION_OPTIONAL, at, x.bytes));
  }
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i];
    if (inOld(r.offset, r.length))
      roots[i] = { ...r, offset: place(old.block.slice(r.offset, r.offset + r.length)) };
  }
  const rootBytes = encodeRoots(roots);
  const rootsAt = rootsInside ? fixed : sink.append(rootBytes);
  if (plan.metadata) {
    const m = plan.metadata;
    const at = sink.append(m.stored);
    sections.push({
      kind: SectionKind.METADATA,
      flags: SECTION_OPTIONAL | SECTION_ZSTD,
      checksum: xxhash32(m.stored),
      offset: at,
      length: m.stored.length,
      rawLength: m.rawLength,
    });
  }
  const size = sink.position;
  const all: SectionEntry[] = [
    sectionEntry(SectionKind.HEADER, 0, headerAt, headerBytes),
    sectionEntry(
      SectionKind.TIME_VALUES,
      plan.timesCompressed ? SECTION_ZSTD : 0,
      headerAt + headerBytes.length,
      plan.times,
      plan.timesRawLength,
    ),
    sectionEntry(SectionKind.TIMESTEP_ROOTS, 0, rootsAt, rootBytes),
    {
      kind: SectionKind.BODY,
      flags: SECTION_OPTIONAL,
      checksum: 0,
      offset: OPEN_BLOCK_SIZE,
      length: size - OPEN_BLOCK_SIZE,
      rawLength: size - OPEN_BLOCK_SIZE,
    },
    ...sections,
  ];
  const openLength = Math.max(cursor, fixed + (rootsInside ? rootsLength : 0));
  // Zero whatever the old open block used beyond the new one: unused open-block space is zero.
  const block = new Uint8Array(Math.max(openLength, old.openLength));
  block.set(encodePreamble(all, openLength), 0);
  block.set(headerBytes, headerAt);
  block.set(plan.times, headerAt + headerBytes.length);
  if (rootsInside) block.set(rootBytes, fixed);
  for (const p of inside) block.set(p.bytes, p.at);
  return block;
}
