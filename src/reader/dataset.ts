/**
 * An open .fvx dataset: header information plus lazy, cached access to
 * hierarchy pages and bricks through one ByteSource.
 */
import {
  Encoding,
  LIMITS,
  SECTION_OPTIONAL,
  SECTION_ZSTD,
  SectionKind,
  sectionName,
  zstdBound,
} from "../format/constants";
import { brickBox, type LevelGeometry, levelGeometry } from "../format/grid";
import { type DecodedPage, decodePage, linearBrick, type PageRef } from "../format/hierarchy";
import { decodeRoots } from "../format/temporal";
import { zstdDecompressExact } from "../format/zstd";
import { timestepAt } from "../index/temporal";
import type { ByteSource } from "../io/byte-source";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import { allocTyped, type Box3, bytesPerValue, type TypedArray, type Vec3 } from "../shared/types";
import { applyPoint, worldToGrid } from "../shared/world-transform";
import { type BrickExecutor, decodeWith, inlineExecutor } from "../worker/executor";
import type { GpuReady } from "../worker/gpu-prep";
import type { ByteReader } from "./byte-reader";
import type {
  BrickAccess,
  BrickJob,
  CallOptions,
  DatasetInfo,
  FieldRef,
  LocatedEntry,
  SectionAccess,
  SectionInfo,
} from "./dataset-types";
import { type DatasetFeatureQuery, DatasetFeatures } from "./features";
import { type LineQuery, type LineResult, sampleLine } from "./line";
import type { OpenBlock } from "./open-block";
import { type PickHit, type PickQuery, pickVoxel } from "./pick";
import { ProbeIndexReader, type ProbeQuery, type ProbeResult } from "./probe";
import { copyBrickIntoRegion, fillRegionBox } from "./region-copy";
import { type LodQuery, type LodResult, selectLod } from "./select-lod";
import { regionStats, type StatsQuery, type StatsResult } from "./stats-query";
import { inWaves } from "./waves";

export type { BrickJob, CallOptions, DatasetInfo, FieldRef, LocatedEntry, SectionInfo };

const PAGE_CACHE_LIMIT = 512;

export class Dataset implements BrickAccess, SectionAccess {
  readonly info: DatasetInfo;
  private roots?: Promise<PageRef[]>;
  private readonly pages = new Map<string, Promise<DecodedPage>>();
  /** Feature queries (src/reader/features.ts), opened on first use. */
  readonly featureIndex = new DatasetFeatures(this);
  /** Values over time (src/reader/probe.ts): the probe index when the file has one, else per-step reads. */
  private readonly probeIndex: ProbeIndexReader;

  constructor(
    private readonly reader: ByteReader,
    private readonly block: OpenBlock,
    /** Where bricks are decoded: a worker pool or in-thread. */
    readonly executor: BrickExecutor = inlineExecutor(),
  ) {
    const h = block.header;
    this.info = {
      dims: h.dims,
      origin: h.origin,
      spacing: h.spacing,
      ...(h.transform ? { transform: h.transform } : {}),
      spaceUnits: h.spaceUnits,
      fields: h.fields,
      times: block.times,
      timeUnits: h.timeUnits,
      timeCalendar: h.timeCalendar,
      metadata: h.metadata,
      brickSize: h.brickSize,
      levels: levelGeometry(h.dims, h.brickSize),
      version: { major: block.preamble.major, minor: block.preamble.minor },
      sections: block.sections.map((s) => ({
        ...s,
        name: sectionName(s.kind),
        optional: (s.flags & SECTION_OPTIONAL) !== 0,
        compressed: (s.flags & SECTION_ZSTD) !== 0,
      })),
      summary: h.summary,
      writer: h.writer,
      size: reader.size,
    };
    if (block.roots) this.roots = Promise.resolve(block.roots);
    this.probeIndex = new ProbeIndexReader(this, reader);
  }

  /**
   * Values of one voxel or a small level-0 box over timesteps [t0, t1): one
   * time-major chunk per group of timesteps when the file has a probe index
   * (docs/FORMAT.md §16), else one region read per timestep.
   */
  probe(q: ProbeQuery, opts: CallOptions = {}): Promise<ProbeResult> {
    return this.probeIndex.probe(q, opts);
  }

  /**
   * Values along a segment at one timestep, one sample per level-0 voxel step
   * (src/reader/line.ts): reads only the bricks the samples fall in.
   */
  sampleLine(q: LineQuery, opts: CallOptions = {}): Promise<LineResult> {
    return sampleLine(this, q, opts);
  }

  /** Check every page and chunk of the probe index (`flatvox verify`); returns the chunks checked (0 without one). */
  verifyProbeIndex(opts: CallOptions = {}): Promise<number> {
    return this.probeIndex.verify(opts);
  }

  /** Whether values over time come from a probe index (else from bricks, one read per timestep). */
  get hasProbeIndex(): boolean {
    return this.probeIndex.available;
  }

  get source(): ByteSource {
    return this.reader.source;
  }

  /**
   * Features matching a box (level-0 voxels, half-open), a closed range of
   * time values and property conditions. QueryError when the file has no features.
   */
  features(q: DatasetFeatureQuery = {}, opts: CallOptions = {}) {
    return this.featureIndex.query(q, opts);
  }

  /** The query plan with estimates, candidates, requests and bytes (runs the query). */
  explainFeatures(q: DatasetFeatureQuery = {}, opts: CallOptions = {}) {
    return this.featureIndex.explain(q, opts);
  }

  /** A track with its trajectory and features; undefined when there is no such track. */
  track(id: number, opts: CallOptions = {}) {
    return this.featureIndex.track(id, opts);
  }

  /** Field index for a name or index; RangeError when there is no such field. */
  fieldIndex(field: FieldRef): number {
    const i = typeof field === "number" ? field : this.info.fields.findIndex((f) => f.name === field);
    if (!Number.isInteger(i) || i < 0 || i >= this.info.fields.length) {
      throw new FlatvoxError("RangeError", `no field ${JSON.stringify(field)}`);
    }
    return i;
  }

  /** Timestep index of `time`: the exact match (undefined if none) or the nearest. */
  timestepIndex(time: number, mode: "exact" | "nearest" = "exact"): number | undefined {
    return Number.isNaN(time) ? undefined : timestepAt(this.info.times, time, mode);
  }

  /** First section of a kind, or undefined. */
  section(
    kind: number,
  ):
    | { offset: number; length: number; checksum: number; rawLength: number; compressed: boolean }
    | undefined {
    return this.info.sections.find((s) => s.kind === kind);
  }

  /** The verified (and, if compressed, decompressed) bytes of a section. */
  async readSection(kind: number, opts: CallOptions = {}): Promise<Uint8Array | undefined> {
    const s = this.info.sections.find((x) => x.kind === kind);
    if (!s) return undefined;
    if (kind === SectionKind.BODY)
      throw new FlatvoxError("QueryError", "the body is read brick by brick, not as a section", {
        section: s.name,
        offset: s.offset,
      });
    if (s.length > LIMITS.maxSectionBytes) {
      throw new FlatvoxError("LimitError", `${s.name} is ${s.length} bytes`, {
        section: s.name,
        offset: s.offset,
      });
    }
    const bytes = await this.reader.read({ ...s, section: s.name, purpose: "index", signal: opts.signal });
    if (!s.compressed) return bytes;
    return zstdDecompressExact(bytes, s.rawLength, { section: s.name, offset: s.offset });
  }

  private checkTime(t: number): void {
    if (!Number.isInteger(t) || t < 0 || t >= this.info.times.length) {
      throw new FlatvoxError("RangeError", `timestep ${t} outside 0..${this.info.times.length - 1}`);
    }
  }

  private checkLevel(level: number): LevelGeometry {
    const geo = this.info.levels[level];
    if (!Number.isInteger(level) || !geo) {
      throw new FlatvoxError("RangeError", `level ${level} outside 0..${this.info.levels.length - 1}`);
    }
    return geo;
  }

  private loadRoots(signal?: AbortSignal): Promise<PageRef[]> {
    if (!this.roots) {
      const s = this.block.rootsSection;
      const count = this.info.times.length * this.info.fields.length;
      const p = this.reader
        .read({ ...s, section: "timestep-roots", purpose: "hierarchy", signal })
        .then((b) => decodeRoots(b, count, s.offset));
      this.roots = p;
      p.catch(() => {
        if (this.roots === p) this.roots = undefined;
      });
    }
    return this.roots;
  }

  private loadPage(
    ref: PageRef,
    field: number,
    t: number,
    rootLevel: number,
    root: Vec3,
    signal?: AbortSignal,
  ): Promise<DecodedPage> {
    const key = `${field}/${t}/${rootLevel}/${root.join(",")}`;
    const hit = this.pages.get(key);
    if (hit) {
      this.pages.delete(key);
      this.pages.set(key, hit);
      return hit;
    }
    const p = this.reader
      .read({ ...ref, section: "hierarchy", purpose: "hierarchy", signal })
      .then((stored) => {
        const raw = zstdDecompressExact(stored, ref.rawLength, { section: "hierarchy", offset: ref.offset });
        return decodePage(raw, { field, t, rootLevel, root }, this.info.levels, ref.offset);
      });
    this.pages.set(key, p);
    p.catch(() => {
      if (this.pages.get(key) === p) this.pages.delete(key);
    });
    if (this.pages.size > PAGE_CACHE_LIMIT) this.pages.delete(this.pages.keys().next().value!);
    return p;
  }

  /** Entry (location, encoding, stats) of one brick, loading hierarchy pages as needed. */
  async brickEntry(
    field: FieldRef,
    t: number,
    level: number,
    brick: Vec3,
    opts: CallOptions = {},
  ): Promise<LocatedEntry> {
    throwIfAborted(opts.signal);
    const f = this.fieldIndex(field);
    this.checkTime(t);
    const geo = this.checkLevel(level);
    if (!brick.every((b, i) => Number.isInteger(b) && b >= 0 && b < geo.bricks[i])) {
      throw new FlatvoxError(
        "RangeError",
        `brick ${brick} outside level ${level} (${geo.bricks.join("×")} bricks)`,
      );
    }
    const roots = await this.loadRoots(opts.signal);
    const top = this.info.levels.length - 1;
    let rootLevel = top;
    let root: Vec3 = [0, 0, 0];
    let page = await this.loadPage(roots[t * this.info.fields.length + f], f, t, top, root, opts.signal);
    for (;;) {
      const bottom = page.layout.bottomLevel;
      if (level >= bottom) {
        const e = page.entries[rootLevel - level].get(linearBrick(geo, brick));
        if (!e)
          throw new FlatvoxError("FormatError", "hierarchy page lacks a node it must hold", {
            section: "hierarchy",
          });
        const box = brickBox(geo.dims, this.info.brickSize, brick);
        return { ...e, field: f, t, level, brick, voxelMin: box.min, size: box.size };
      }
      const s = bottom;
      const shift = s - level;
      const anc: Vec3 = [brick[0] >> shift, brick[1] >> shift, brick[2] >> shift];
      const ref = page.children.get(linearBrick(this.info.levels[s], anc));
      if (!ref)
        throw new FlatvoxError("FormatError", "hierarchy page lacks a child reference", {
          section: "hierarchy",
        });
      rootLevel = s;
      root = anc;
      page = await this.loadPage(ref, f, t, rootLevel, root, opts.signal);
    }
  }

  /** Decoded values of one brick (clipped size, x fastest). */
  async readBrick(
    q: { field: FieldRef; t: number; level: number; brick: Vec3 },
    opts: CallOptions = {},
  ): Promise<{ data: TypedArray; dims: Vec3; entry: LocatedEntry }> {
    const entry = await this.brickEntry(q.field, q.t, q.level, q.brick, opts);
    const data = await this.decodeEntry(entry, opts);
    return { data, dims: entry.size, entry };
  }

  /**
   * A brick decoded and prepared for a GPU texture where it was decoded:
   * values normalized to (v − lo) × scale as halves, plus occupancy maxima
   * (`ready`, absent when the executor cannot prepare or the brick is uniform).
   */
  async readBrickGpu(
    q: { field: FieldRef; t: number; level: number; brick: Vec3 },
    norm: { lo: number; scale: number },
    opts: CallOptions = {},
  ): Promise<{ data: TypedArray; dims: Vec3; entry: LocatedEntry; ready?: GpuReady }> {
    const entry = await this.brickEntry(q.field, q.t, q.level, q.brick, opts);
    if (entry.encoding === Encoding.UNIFORM || !this.executor.decodeGpu)
      return { data: await this.decodeEntry(entry, opts), dims: entry.size, entry };
    const job = await this.brickJob(entry, opts);
    const r = await this.executor.decodeGpu(
      { ...job, gpu: { ...norm, dims: entry.size, level: q.level } },
      { signal: opts.signal, transferInput: job.ownsBytes },
    );
    return { data: r.values, dims: entry.size, entry, ready: r.ready };
  }

  /**
   * The decode job of a brick: its delta chain (keyframe first) and the
   * stored bytes of every link. A single link's bytes are passed as read (no
   * copy: an in-thread decode reads them in place; `ownsBytes` is false, so a
   * worker gets its own copy and shared buffers stay intact); a delta chain's
   * links are gathered into one fresh buffer the executor may transfer.
   * Uniform links carry their value and no bytes.
   */
  async brickJob(entry: LocatedEntry, opts: CallOptions = {}): Promise<BrickJob> {
    const field = this.info.fields[entry.field];
    const voxels = entry.size[0] * entry.size[1] * entry.size[2];
    const chain: LocatedEntry[] = [entry];
    const reads: Promise<Uint8Array>[] = [];
    const empty = Promise.resolve(new Uint8Array(0));
    try {
      for (let e = entry, deltas = 0; ; ) {
        if (e.encoding === Encoding.UNIFORM) {
          reads.unshift(empty);
          break;
        }
        // Bound the stored size before any I/O or allocation (decoded size is fixed by the grid).
        if (e.length === 0 || e.length > zstdBound(voxels * bytesPerValue(field.dtype))) {
          throw new FlatvoxError(
            "LimitError",
            `brick declares ${e.length} stored bytes for ${voxels} voxels`,
            {
              section: "brick",
              offset: e.offset,
              length: e.length,
            },
          );
        }
        reads.unshift(this.reader.read({ ...e, section: "brick", purpose: "brick", signal: opts.signal }));
        if (e.encoding !== Encoding.XOR_DELTA_SHUFFLE_ZSTD) break;
        if (e.refT >= e.t) {
          throw new FlatvoxError("FormatError", `delta brick references timestep ${e.refT} from ${e.t}`, {
            section: "brick",
            offset: e.offset,
          });
        }
        if (deltas++ >= LIMITS.maxDeltaChain) {
          throw new FlatvoxError("LimitError", `delta chain longer than ${LIMITS.maxDeltaChain}`, {
            section: "brick",
            offset: e.offset,
          });
        }
        e = await this.brickEntry(e.field, e.refT, e.level, e.brick, opts);
        chain.unshift(e);
      }
    } catch (err) {
      for (const r of reads) r.catch(() => {});
      throw err;
    }
    const parts = await settleAllValues(reads);
    const stored = parts.filter((p) => p.length > 0);
    let bytes: Uint8Array;
    let ownsBytes = false;
    if (stored.length === 1) bytes = stored[0];
    else {
      bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        bytes.set(p, at);
        at += p.length;
      }
      ownsBytes = true;
    }
    return {
      ownsBytes,
      dtype: field.dtype,
      voxels,
      section: "brick",
      bytes,
      links: chain.map((l) => ({ encoding: l.encoding, offset: l.offset, length: l.length, value: l.min })),
    };
  }

  private async decodeEntry(entry: LocatedEntry, opts: CallOptions): Promise<TypedArray> {
    if (entry.encoding === Encoding.UNIFORM) {
      const out = allocTyped(
        this.info.fields[entry.field].dtype,
        entry.size[0] * entry.size[1] * entry.size[2],
      );
      out.fill(entry.min);
      return out;
    }
    const job = await this.brickJob(entry, opts);
    return this.executor.decode(job, { signal: opts.signal, transferInput: job.ownsBytes });
  }

  /** First voxel a ray hits (threshold or material set), fetching only bricks the ray crosses that may hit. */
  pick(q: PickQuery, opts: CallOptions = {}): Promise<PickHit | null> {
    return pickVoxel(this, q, opts);
  }

  /** min/max/mean/count/NaN count/histogram of a box; uniform bricks answer from their entry. */
  /**
   * The bricks a camera needs for one field and timestep (the cut of the
   * brick octree by screen-space error, frustum culled, under a budget), from
   * brick entries alone: see src/reader/select-lod.ts.
   */
  selectLod(q: LodQuery, opts: CallOptions = {}): Promise<LodResult> {
    return selectLod(this, q, opts);
  }

  stats(q: StatsQuery, opts: CallOptions = {}): Promise<StatsResult> {
    return regionStats(this, q, opts);
  }

  /** Check a field/timestep/level triple; returns the field index and level geometry. */
  checkQuery(field: FieldRef, t: number, level: number): { field: number; geo: LevelGeometry } {
    const f = this.fieldIndex(field);
    this.checkTime(t);
    return { field: f, geo: this.checkLevel(level) };
  }

  /** Values of a half-open voxel box of a level (x fastest). Uniform bricks cost no I/O; bricks are fetched concurrently. */
  async readRegion(
    q: { field: FieldRef; t: number; box: Box3; level?: number },
    opts: CallOptions = {},
  ): Promise<TypedArray> {
    throwIfAborted(opts.signal);
    const f = this.fieldIndex(q.field);
    this.checkTime(q.t);
    const level = q.level ?? 0;
    const geo = this.checkLevel(level);
    const { min, max } = q.box;
    for (let i = 0; i < 3; i++) {
      if (
        !Number.isInteger(min[i]) ||
        !Number.isInteger(max[i]) ||
        min[i] < 0 ||
        max[i] > geo.dims[i] ||
        min[i] > max[i]
      ) {
        throw new FlatvoxError(
          "RangeError",
          `box ${JSON.stringify(q.box)} outside level ${level} dims ${geo.dims.join("×")}`,
        );
      }
    }
    const dtype = this.info.fields[f].dtype;
    const size: Vec3 = [max[0] - min[0], max[1] - min[1], max[2] - min[2]];
    const voxels = size[0] * size[1] * size[2];
    if (voxels * bytesPerValue(dtype) > LIMITS.maxRegionBytes) {
      throw new FlatvoxError(
        "LimitError",
        `region of ${voxels} voxels exceeds ${LIMITS.maxRegionBytes} bytes`,
      );
    }
    const out = allocTyped(dtype, voxels);
    if (voxels === 0) return out;
    const B = this.info.brickSize;
    const coords: Vec3[] = [];
    for (let bz = Math.floor(min[2] / B); bz * B < max[2]; bz++)
      for (let by = Math.floor(min[1] / B); by * B < max[1]; by++)
        for (let bx = Math.floor(min[0] / B); bx * B < max[0]; bx++) coords.push([bx, by, bz]);
    const entries = await settleAllValues(coords.map((b) => this.brickEntry(f, q.t, level, b, opts)));
    const stored: LocatedEntry[] = [];
    for (const e of entries) {
      if (e.encoding === Encoding.UNIFORM) fillRegionBox(out, min, size, e.voxelMin, e.size, e.min);
      else stored.push(e);
    }
    // Bounded memory whatever the box: bricks are fetched and decoded in waves.
    const bpv = bytesPerValue(dtype);
    await inWaves(
      stored,
      (e) => e.length + e.size[0] * e.size[1] * e.size[2] * bpv,
      async (e) => {
        // In-thread decodes lend their values from core memory: one copy, straight into `out`.
        const job = await this.brickJob(e, opts);
        await decodeWith(
          this.executor,
          job,
          (data) => copyBrickIntoRegion(out, min, size, data, e.voxelMin, e.size),
          { signal: opts.signal, transferInput: job.ownsBytes },
        );
      },
      { signal: opts.signal, waveBytes: opts.waveBytes },
    );
    return out;
  }

  /**
   * Value at `point` read from `level` (default 0). `space: "voxel"` (default):
   * level-0 voxel coordinates, floored; `space: "world"`: world coordinates,
   * mapped to the grid through the inverse of the header's transform (or
   * origin/spacing), so voxel (i,j,k) holds the world points of [i,i+1)³.
   */
  async sample(
    q: { field: FieldRef; t: number; point: Vec3; level?: number; space?: "voxel" | "world" },
    opts: CallOptions = {},
  ): Promise<number> {
    const level = q.level ?? 0;
    const geo = this.checkLevel(level);
    if (q.space !== undefined && q.space !== "voxel" && q.space !== "world")
      throw new FlatvoxError("QueryError", `point space must be "voxel" or "world", not ${String(q.space)}`);
    const p0 = q.space === "world" ? applyPoint(worldToGrid(this.info), q.point) : q.point;
    const v = p0.map((p) => Math.floor(p / 2 ** level)) as Vec3;
    if (!v.every((x, i) => Number.isFinite(x) && x >= 0 && x < geo.dims[i])) {
      throw new FlatvoxError("RangeError", `point ${q.point} outside the grid`);
    }
    const r = await this.readRegion(
      { field: q.field, t: q.t, level, box: { min: v, max: [v[0] + 1, v[1] + 1, v[2] + 1] } },
      opts,
    );
    return r[0];
  }
}

/** Wait for every job, then throw the first failure (so no work is left running unobserved). */
async function settleAllValues<T>(jobs: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(jobs);
  for (const r of results) if (r.status === "rejected") throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
