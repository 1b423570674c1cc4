/**
 * Values over time of one voxel or a small box (`ds.probe`). With a probe
 * index (docs/FORMAT.md §16): the index head, the index pages of the chunks
 * the box touches and one time-major chunk per (group, chunk) — on the demos,
 * three requests in all for 24 steps. Without one: one region read per timestep.
 */
import { unshuffle } from "../core/filters";
import { LIMITS, SectionKind, zstdBound } from "../format/constants";
import {
  decodeProbeHead,
  decodeProbePage,
  PROBE_ENTRY_SIZE,
  PROBE_SECTION,
  type ProbeChunkRef,
  type ProbeHead,
  probeChunkBox,
  probeChunkGrid,
  probeHeadLength,
  probePageAt,
} from "../format/probe";
import { zstdDecompressExact } from "../format/zstd";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import {
  allocTyped,
  type Box3,
  bytesPerValue,
  type DType,
  type TypedArray,
  type Vec3,
  viewTyped,
} from "../shared/types";
import type { ByteReader } from "./byte-reader";
import type { CallOptions, DatasetInfo, FieldRef } from "./dataset-types";

export interface ProbeQuery {
  field: FieldRef;
  /** One level-0 voxel (floored), or… */
  point?: Vec3;
  /** …a half-open level-0 box. */
  box?: Box3;
  /** First timestep (default 0). */
  t0?: number;
  /** End timestep, exclusive (default: the timestep count). */
  t1?: number;
}

export interface ProbeResult {
  /** Timestep indices t0..t1−1. */
  timesteps: number[];
  /** Their time values. */
  times: number[];
  /** Box size in voxels. */
  size: Vec3;
  /** Per timestep, the box's values (x fastest); for a point, one value. */
  values: TypedArray[];
  /** Per timestep, the mean of the box's finite values (NaN when none). */
  mean: Float64Array;
  /** Where the values came from. */
  source: "probe-index" | "bricks";
}

/** Most voxels × timesteps one probe returns (a probe is for small boxes; use readRegion for volumes). */
export const PROBE_MAX_VALUES = 1 << 26;
/** Bytes of the index section read with its head (its first pages usually come along). */
const HEAD_PREFETCH = 64 << 10;

interface RegionReader {
  readonly info: DatasetInfo;
  fieldIndex(field: FieldRef): number;
  readRegion(
    q: { field: FieldRef; t: number; box: Box3; level?: number },
    opts?: CallOptions,
  ): Promise<TypedArray>;
}

export class ProbeIndexReader {
  private head?: Promise<{ head: ProbeHead; prefix: Uint8Array } | undefined>;
  private readonly pages = new Map<string, Promise<ProbeChunkRef[]>>();

  constructor(
    private readonly ds: RegionReader,
    private readonly reader: ByteReader,
  ) {}

  /** Whether the file has a probe index. */
  get available(): boolean {
    return this.ds.info.sections.some((s) => s.kind === SectionKind.PROBE_INDEX);
  }

  async probe(q: ProbeQuery, opts: CallOptions = {}): Promise<ProbeResult> {
    throwIfAborted(opts.signal);
    const info = this.ds.info;
    const f = this.ds.fieldIndex(q.field);
    const box = probeBox(q, info.dims);
    const T = info.times.length;
    const t0 = q.t0 ?? 0;
    const t1 = q.t1 ?? T;
    if (!Number.isInteger(t0) || !Number.isInteger(t1) || t0 < 0 || t1 > T || t0 >= t1)
      throw new FlatvoxError("RangeError", `timesteps ${t0}..${t1} outside 0..${T} (t1 exclusive, t0 < t1)`);
    const size: Vec3 = [box.max[0] - box.min[0], box.max[1] - box.min[1], box.max[2] - box.min[2]];
    const voxels = size[0] * size[1] * size[2];
    if (voxels * (t1 - t0) > PROBE_MAX_VALUES)
      throw new FlatvoxError(
        "LimitError",
        `probe of ${voxels} voxels × ${t1 - t0} timesteps exceeds ${PROBE_MAX_VALUES} values; read regions instead`,
      );
    const timesteps = Array.from({ length: t1 - t0 }, (_, i) => t0 + i);
    const loaded = this.available ? await this.loadHead(opts) : undefined;
    let values: TypedArray[];
    let source: ProbeResult["source"];
    if (loaded) {
      values = await this.fromIndex(loaded.head, loaded.prefix, f, box, size, t0, t1, opts);
      source = "probe-index";
    } else {
      values = [];
      for (const t of timesteps) values.push(await this.ds.readRegion({ field: f, t, box }, opts));
      source = "bricks";
    }
    const mean = new Float64Array(values.length);
    values.forEach((v, i) => {
      let s = 0;
      let n = 0;
      for (let j = 0; j < v.length; j++) {
        const x = v[j];
        if (Number.isFinite(x)) {
          s += x;
          n++;
        }
      }
      mean[i] = n > 0 ? s / n : Number.NaN;
    });
    return { timesteps, times: timesteps.map((t) => info.times[t]), size, values, mean, source };
  }

  /**
   * Check the whole index: its head, every page and every chunk (checksum,
   * stored bound and decoded size). Returns the number of chunks checked.
   */
  async verify(opts: CallOptions = {}): Promise<number> {
    if (!this.available) return 0;
    const { head, prefix } = (await this.loadHead(opts))!;
    const info = this.ds.info;
    let count = 0;
    for (let gi = 0; gi < head.groups.length; gi++)
      for (let f = 0; f < head.fields; f++)
        for (let c = 0; c < head.chunksPerField; c++) {
          const { ref } = await this.page(head, prefix, gi, f, c, opts);
          const box = probeChunkBox(info.dims, head.chunk, c);
          await this.readChunk(ref, head.groups[gi].count, box.size, info.fields[f].dtype, opts);
          count++;
        }
    return count;
  }

  private async readChunk(ref: ProbeChunkRef, count: number, cs: Vec3, dtype: DType, opts: CallOptions) {
    const bpv = bytesPerValue(dtype);
    const rawLength = count * cs[0] * cs[1] * cs[2] * bpv;
    const ctx = { section: PROBE_SECTION, offset: ref.offset };
    if (ref.length < 1 || ref.length > zstdBound(rawLength) || rawLength > LIMITS.maxRegionBytes)
      throw new FlatvoxError(
        "FormatError",
        `probe chunk of ${ref.length} stored bytes for ${rawLength} raw`,
        {
          ...ctx,
          length: ref.length,
        },
      );
    const stored = await this.reader.read({
      offset: ref.offset,
      length: ref.length,
      checksum: ref.checksum,
      section: PROBE_SECTION,
      purpose: "brick",
      signal: opts.signal,
    });
    return viewTyped(dtype, unshuffle(zstdDecompressExact(stored, rawLength, ctx), bpv));
  }

  private section() {
    return this.ds.info.sections.find((s) => s.kind === SectionKind.PROBE_INDEX)!;
  }

  private loadHead(opts: CallOptions) {
    if (!this.head) {
      const p = (async () => {
        const s = this.section();
        const info = this.ds.info;
        const expect = {
          fields: info.fields.length,
          timeCount: info.times.length,
          chunksPerField: (c: number) => {
            const g = probeChunkGrid(info.dims, c);
            return g[0] * g[1] * g[2];
          },
        };
        const read = (length: number) =>
          this.reader.read({
            offset: s.offset,
            length,
            section: PROBE_SECTION,
            purpose: "index",
            signal: opts.signal,
            // The head's own checksum (a prefix too short to hold the whole head is checked by the exact read after it).
            check: (b) => void decodeProbeHead(b, s.offset, s.length, expect),
          });
        let prefix = await read(Math.min(s.length, HEAD_PREFETCH));
        let head = decodeProbeHead(prefix, s.offset, s.length, expect);
        if (!head) {
          const v = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
          prefix = await read(probeHeadLength(v.getUint16(10, true)));
          head = decodeProbeHead(prefix, s.offset, s.length, expect);
          if (!head) throw new Error("probe head still short"); // the read above is exactly its length
        }
        return { head, prefix };
      })();
      this.head = p;
      p.catch(() => {
        if (this.head === p) this.head = undefined;
      });
    }
    return this.head;
  }

  private page(head: ProbeHead, prefix: Uint8Array, gi: number, f: number, c: number, opts: CallOptions) {
    const s = this.section();
    const pg = probePageAt(f, c, head.chunksPerField, head.pageEntries);
    const rel = head.groups[gi].indexOffset + pg.at;
    const key = `${gi}/${rel}`;
    let p = this.pages.get(key);
    if (!p) {
      const length = 4 + pg.entries * PROBE_ENTRY_SIZE;
      p = (async () => {
        const bytes =
          rel + length <= prefix.length
            ? prefix.subarray(rel, rel + length)
            : await this.reader.read({
                offset: s.offset + rel,
                length,
                section: PROBE_SECTION,
                purpose: "index",
                signal: opts.signal,
                check: (b) => void decodeProbePage(b, pg.entries, s.offset + rel),
              });
        return decodeProbePage(bytes, pg.entries, s.offset + rel);
      })();
      this.pages.set(key, p);
      const q = p;
      q.catch(() => {
        if (this.pages.get(key) === q) this.pages.delete(key);
      });
      if (this.pages.size > 256) this.pages.delete(this.pages.keys().next().value!);
    }
    return p.then((refs) => ({ ref: refs[c - pg.first] }));
  }

  private async fromIndex(
    head: ProbeHead,
    prefix: Uint8Array,
    f: number,
    box: Box3,
    size: Vec3,
    t0: number,
    t1: number,
    opts: CallOptions,
  ): Promise<TypedArray[]> {
    const info = this.ds.info;
    const dtype = info.fields[f].dtype;
    const C = head.chunk;
    const cg = probeChunkGrid(info.dims, C);
    const out = Array.from({ length: t1 - t0 }, () => allocTyped(dtype, size[0] * size[1] * size[2]));
    const jobs: Promise<void>[] = [];
    head.groups.forEach((g, gi) => {
      if (g.t0 + g.count <= t0 || g.t0 >= t1) return;
      for (let cz = Math.floor(box.min[2] / C); cz * C < box.max[2]; cz++)
        for (let cy = Math.floor(box.min[1] / C); cy * C < box.max[1]; cy++)
          for (let cx = Math.floor(box.min[0] / C); cx * C < box.max[0]; cx++) {
            const c = cx + cg[0] * (cy + cg[1] * cz);
            const cmin: Vec3 = [cx * C, cy * C, cz * C];
            const cs: Vec3 = [
              Math.min(C, info.dims[0] - cmin[0]),
              Math.min(C, info.dims[1] - cmin[1]),
              Math.min(C, info.dims[2] - cmin[2]),
            ];
            jobs.push(
              (async () => {
                const { ref } = await this.page(head, prefix, gi, f, c, opts);
                const chunkValues = cs[0] * cs[1] * cs[2];
                const vals = await this.readChunk(ref, g.count, cs, dtype, opts);
                // Copy the overlap of chunk and box, per timestep of the group inside [t0, t1).
                const lo: Vec3 = [0, 1, 2].map((i) => Math.max(box.min[i], cmin[i])) as Vec3;
                const hi: Vec3 = [0, 1, 2].map((i) => Math.min(box.max[i], cmin[i] + cs[i])) as Vec3;
                for (let tl = Math.max(0, t0 - g.t0); tl < g.count && g.t0 + tl < t1; tl++) {
                  const dst = out[g.t0 + tl - t0];
                  const base = tl * chunkValues;
                  for (let z = lo[2]; z < hi[2]; z++)
                    for (let y = lo[1]; y < hi[1]; y++) {
                      const src = base + ((z - cmin[2]) * cs[1] + (y - cmin[1])) * cs[0] - cmin[0];
                      const d = ((z - box.min[2]) * size[1] + (y - box.min[1])) * size[0] - box.min[0];
                      for (let x = lo[0]; x < hi[0]; x++) dst[d + x] = vals[src + x];
                    }
                }
              })(),
            );
          }
    });
    const results = await Promise.allSettled(jobs);
    for (const r of results) if (r.status === "rejected") throw r.reason;
    return out;
  }
}

function probeBox(q: ProbeQuery, dims: Vec3): Box3 {
  let box: Box3;
  if (q.point && !q.box) {
    const v = q.point.map((p) => Math.floor(p)) as Vec3;
    box = { min: v, max: [v[0] + 1, v[1] + 1, v[2] + 1] };
  } else if (q.box && !q.point) box = q.box;
  else throw new FlatvoxError("QueryError", "a probe takes either a point or a box");
  for (let i = 0; i < 3; i++) {
    const a = box.min[i];
    const b = box.max[i];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > dims[i] || a >= b)
      throw new FlatvoxError("RangeError", `probe box ${JSON.stringify(box)} outside dims ${dims.join("×")}`);
  }
  return box;
}
