/**
 * Feature queries over the feature sections, read piecemeal from a ByteSource.
 *
 * The planner estimates each condition's selectivity without reads (R-tree
 * subtree counts in the head, B+tree histograms in each index header), walks
 * the most selective index first, intersects further index results only while
 * walking an index is cheaper than post-filtering the candidate records, and
 * stops as soon as the candidate set is empty. Every fetched record is then
 * checked against all conditions exactly.
 */
import type { ByteSource } from "../io/byte-source";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import { leafEntrySize } from "./btree-layout";
import { AttributeIndexReader, type RefList } from "./btree-reader";
import { checksum } from "./checksum";
import { type FeatureDir, readFeatureDir, TRACK_DIR_PAGE } from "./feature-dir";
import { readFeatureRun, readTrackRecord } from "./feature-records";
import { featureValue } from "./feature-sections";
import type { Feature, FeatureBox, PropValue, Track } from "./feature-types";
import { indexError } from "./index-error";
import { conditionRanges, type KeyType, matchValue, OPS, type Op } from "./key-codec";
import { boxIntersects, type RecordRun, timeIntersects } from "./rtree-layout";
import { RTreeReader, type RTreeTuning } from "./rtree-reader";
import { SectionReader, type SectionRef } from "./section-reader";

export type WhereCondition = [string, Op, unknown];

export interface FeatureQuery {
  box?: FeatureBox;
  /** Closed interval; features whose [t0, t1] touches it match. */
  time?: [number, number];
  where?: WhereCondition[];
  limit?: number;
  signal?: AbortSignal;
  /** Order conditions by estimated selectivity (default true). Off: walk every index in the given order. */
  planner?: boolean;
}

export interface FeatureSectionRefs {
  dir: SectionRef;
  records: SectionRef;
  rtree: SectionRef;
  attrs: SectionRef;
}

export interface PlanStep {
  condition: string;
  /** How the condition was evaluated. */
  method: "rtree" | "index" | "post-filter" | "bloom" | "skipped";
  estimate: number;
  /** Candidates after this step (index/rtree steps). */
  candidates?: number;
  requests: number;
  bytes: number;
}

export interface Explain {
  planner: boolean;
  steps: PlanStep[];
  /** Records fetched and checked. */
  fetched: number;
  results: number;
  /** Requests and bytes of the whole query, by section. */
  requests: number;
  bytes: number;
  recordRequests: number;
  recordBytes: number;
  fullScan: boolean;
}

export interface FeatureReaderOptions extends RTreeTuning {
  /** Directory bytes already in memory (e.g. from the file's opening read). */
  dirBytes?: Uint8Array;
  /** Merge record reads closer than this (default 256 KiB, as FlatGeobuf merges feature reads). */
  recordGap?: number;
  signal?: AbortSignal;
}

interface Cond {
  text: string;
  kind: "space" | "where";
  where?: WhereCondition;
  index?: AttributeIndexReader;
  estimate: number;
}

export class FeatureIndexReader {
  private rtree?: Promise<RTreeReader>;
  private readonly attrs = new Map<string, Promise<AttributeIndexReader>>();
  private readonly secs: Record<"dir" | "records" | "rtree" | "attrs", SectionReader>;
  private readonly recordGap: number;
  /** Largest merged record read. */
  private readonly maxRequest: number;
  private readonly recordSlack: number;

  private constructor(
    readonly source: ByteSource,
    readonly dir: FeatureDir,
    refs: FeatureSectionRefs,
    private readonly tuning: FeatureReaderOptions,
    dirReader: SectionReader,
  ) {
    this.secs = {
      dir: dirReader,
      records: new SectionReader(
        source,
        "feature records",
        refs.records.offset,
        refs.records.length,
        "feature",
      ),
      rtree: new SectionReader(source, "feature R-tree", refs.rtree.offset, refs.rtree.length),
      attrs: new SectionReader(source, "attribute indices", refs.attrs.offset, refs.attrs.length),
    };
    this.recordGap = tuning.recordGap ?? 262144;
    this.maxRequest = tuning.recordMaxRequest ?? 4 << 20;
    this.recordSlack = tuning.recordSlack ?? 0.25;
  }

  /** Reads the directory section (one request, none when `dirBytes` is given); everything else is lazy. */
  static async open(
    source: ByteSource,
    refs: FeatureSectionRefs,
    opts: FeatureReaderOptions = {},
  ): Promise<FeatureIndexReader> {
    const dr = new SectionReader(source, "feature directory", refs.dir.offset, refs.dir.length);
    const bytes = opts.dirBytes ?? (await dr.read(0, refs.dir.length, opts.signal));
    return new FeatureIndexReader(source, readFeatureDir(bytes, refs.dir.offset), refs, opts, dr);
  }

  /** Indexed properties and their key types. */
  get indices(): { name: string; type: KeyType }[] {
    return this.dir.indices.map((i) => ({ name: i.name, type: i.type }));
  }

  /** Requests and bytes issued so far, per section. */
  stats(): Record<string, { requests: number; bytes: number }> {
    const out: Record<string, { requests: number; bytes: number }> = {};
    for (const [k, s] of Object.entries(this.secs)) out[k] = { requests: s.requests, bytes: s.bytes };
    return out;
  }

  private totals(): { requests: number; bytes: number } {
    let requests = 0;
    let bytes = 0;
    for (const s of Object.values(this.secs)) {
      requests += s.requests;
      bytes += s.bytes;
    }
    return { requests, bytes };
  }

  private openRTree(signal?: AbortSignal): Promise<RTreeReader> {
    this.rtree ??= RTreeReader.open(this.secs.rtree, this.dir.rtreeHeadLength, this.tuning, signal);
    this.rtree.catch(() => {
      this.rtree = undefined;
    });
    return this.rtree;
  }

  private openIndex(name: string, signal?: AbortSignal): Promise<AttributeIndexReader> | undefined {
    const entry = this.dir.indices.find((i) => i.name === name);
    if (!entry) return undefined;
    let p = this.attrs.get(name);
    if (!p) {
      p = AttributeIndexReader.open(this.secs.attrs, entry, this.tuning, signal).then((r) => {
        if (r.header.name !== name || r.header.type !== entry.type) {
          throw indexError(
            `attribute index "${name}"`,
            this.secs.attrs.base + entry.offset,
            "directory and index header disagree",
          );
        }
        return r;
      });
      p.catch(() => this.attrs.delete(name));
      this.attrs.set(name, p);
    }
    return p;
  }

  /** False when a bloom filter proves no feature has `prop = value`; undefined without a filter or index. */
  async mightContain(prop: string, value: PropValue, signal?: AbortSignal): Promise<boolean | undefined> {
    const ix = await this.openIndex(prop, signal);
    return ix?.mightContain(value, signal);
  }

  async query(q: FeatureQuery): Promise<Feature[]> {
    return (await this.run(q)).features;
  }

  /** Runs the query and reports the plan with estimates, candidate counts, requests and bytes. */
  async explain(q: FeatureQuery): Promise<Explain> {
    return (await this.run(q)).explain;
  }

  private async run(q: FeatureQuery): Promise<{ features: Feature[]; explain: Explain }> {
    const signal = q.signal;
    throwIfAborted(signal);
    validate(q);
    const planner = q.planner ?? true;
    const start = this.totals();
    const recStart = { requests: this.secs.records.requests, bytes: this.secs.records.bytes };
    const steps: PlanStep[] = [];
    const measure = async <T>(fn: () => Promise<T>): Promise<{ v: T; requests: number; bytes: number }> => {
      const a = this.totals();
      const v = await fn();
      const b = this.totals();
      return { v, requests: b.requests - a.requests, bytes: b.bytes - a.bytes };
    };

    // 1. Conditions with estimates (opening the heads they need, in parallel).
    const conds: Cond[] = [];
    const opened = await measure(async () => {
      const jobs: Promise<void>[] = [];
      if (q.box || q.time) {
        jobs.push(
          this.openRTree(signal).then((rt) => {
            conds.push({
              text: describeSpace(q),
              kind: "space",
              estimate: rt.estimate({ box: q.box, time: q.time }),
            });
          }),
        );
      }
      for (const w of q.where ?? []) {
        const p = this.openIndex(w[0], signal);
        if (!p)
          conds.push({ text: describeWhere(w), kind: "where", where: w, estimate: this.dir.featureCount });
        else
          jobs.push(
            p.then((ix) => {
              conds.push({
                text: describeWhere(w),
                kind: "where",
                where: w,
                index: ix,
                estimate: ix.estimate(conditionRanges(ix.type, w[1], w[2], ix.header.keyWidth)),
              });
            }),
          );
      }
      await Promise.all(jobs);
    });
    // Keep the caller's order for ties and for planner off.
    const position = (c: Cond) =>
      c.kind === "space" ? -1 : (q.where ?? []).indexOf(c.where as WhereCondition);
    conds.sort((a, b) => position(a) - position(b));
    if (planner) conds.sort((a, b) => a.estimate - b.estimate || position(a) - position(b));
    steps.push({
      condition: "open index heads",
      method: "skipped",
      estimate: 0,
      requests: opened.requests,
      bytes: opened.bytes,
    });

    // 2. Bloom: an equality on a value the filter rules out empties the query.
    let candidates: Map<number, number> | undefined;
    let empty = false;
    if (planner) {
      // A filter page not already in memory costs a request: worth it only when it may save several index walks.
      const walks = conds.filter((c) => c.kind === "space" || c.index).length;
      for (const c of conds) {
        if (!c.index || c.where?.[1] !== "=" || c.index.header.bloomBlocks === 0) continue;
        if (!c.index.bloomResident && walks < 2) continue;
        const m = await measure(() =>
          (c.index as AttributeIndexReader).mightContain(c.where?.[2] as PropValue, signal),
        );
        steps.push({
          condition: c.text,
          method: "bloom",
          estimate: c.estimate,
          candidates: m.v === false ? 0 : undefined,
          requests: m.requests,
          bytes: m.bytes,
        });
        if (m.v === false) {
          empty = true;
          break;
        }
      }
    }

    // 3. Walk indices. Candidates are single record refs (from attribute
    // indices) or, while only the R-tree has been walked, its record runs.
    let runs: RecordRun[] | undefined;
    const runCount = (rs: RecordRun[]) => rs.reduce((s, r) => s + r.count, 0);
    const avgRecord = Math.max(16, this.dir.avgRecordLength);
    for (const c of conds) {
      if (empty) {
        steps.push({ condition: c.text, method: "skipped", estimate: c.estimate, requests: 0, bytes: 0 });
        continue;
      }
      const walkable = c.kind === "space" || c.index !== undefined;
      let walk = walkable;
      const known = candidates ? candidates.size : runs ? runCount(runs) : undefined;
      // The R-tree after a candidate set walks only the levels in memory (free); an index walk
      // costs ~estimate leaf entries, worth it only against the candidate records it may save.
      if (walkable && planner && known !== undefined && c.index) {
        const entry = leafEntrySize(c.index.type, c.index.header.keyWidth);
        walk = c.estimate * entry < known * avgRecord * 0.5;
      }
      if (!walk) {
        steps.push({ condition: c.text, method: "post-filter", estimate: c.estimate, requests: 0, bytes: 0 });
        continue;
      }
      const m = await measure(async (): Promise<RefList | RecordRun[]> => {
        if (c.kind === "space") {
          const rt = await this.openRTree(signal);
          return rt.search({ box: q.box, time: q.time }, signal, { readNodes: candidates === undefined });
        }
        const ix = c.index as AttributeIndexReader;
        const w = c.where as WhereCondition;
        return ix.lookup(conditionRanges(ix.type, w[1], w[2], ix.header.keyWidth), signal);
      });
      let size: number;
      if (Array.isArray(m.v)) {
        const found = m.v;
        if (candidates) {
          const next = new Map<number, number>();
          for (const [a, b] of candidates) if (inRuns(found, a * 8)) next.set(a, b);
          candidates = next;
        } else runs = found;
        size = candidates ? candidates.size : runCount(found);
      } else {
        const refs = m.v;
        const next = new Map<number, number>();
        for (let i = 0; i < refs.a.length; i++) {
          const a = refs.a[i];
          if (candidates ? candidates.has(a) : runs ? inRuns(runs, a * 8) : true) next.set(a, refs.b[i]);
        }
        candidates = next;
        runs = undefined;
        size = next.size;
      }
      steps.push({
        condition: c.text,
        method: c.kind === "space" ? "rtree" : "index",
        estimate: c.estimate,
        candidates: size,
        requests: m.requests,
        bytes: m.bytes,
      });
      if (planner && size === 0) empty = true;
    }

    // 4. Fetch and check records.
    const types = new Map(this.dir.indices.map((i) => [i.name, i.type]));
    const accept = (f: Feature) => matches(f, q, types);
    let features: Feature[] = [];
    let fetched = 0;
    const fullScan = !empty && candidates === undefined && runs === undefined;
    if (!empty) {
      const r = candidates
        ? await this.fetchRecords(refRuns(candidates), accept, q.limit, signal)
        : runs
          ? await this.fetchRecords(runs, accept, q.limit, signal)
          : await this.scan(accept, q.limit, signal);
      features = r.features;
      fetched = r.fetched;
    }
    const end = this.totals();
    return {
      features,
      explain: {
        planner,
        steps,
        fetched,
        results: features.length,
        requests: end.requests - start.requests,
        bytes: end.bytes - start.bytes,
        recordRequests: this.secs.records.requests - recStart.requests,
        recordBytes: this.secs.records.bytes - recStart.bytes,
        fullScan,
      },
    };
  }

  /**
   * Fetch record runs (single refs are runs of one), coalesced, in file
   * order; with a limit, in waves of about 64 records until enough pass.
   */
  private async fetchRecords(
    runs: RecordRun[],
    accept: (f: Feature) => boolean,
    limit: number | undefined,
    signal?: AbortSignal,
  ) {
    const sec = this.secs.records;
    const ranges = [...runs].sort((x, y) => x.offset - y.offset);
    for (const r of ranges) {
      if (r.offset + r.length > this.dir.featuresLength || r.length < 8 || r.count < 1)
        throw indexError("feature records", sec.base + r.offset, "record reference out of bounds");
    }
    const features: Feature[] = [];
    const max = limit ?? Number.POSITIVE_INFINITY;
    const WAVE = 64;
    let fetched = 0;
    for (let i = 0; i < ranges.length && features.length < max; ) {
      // Grow the wave so that it spans whole coalesced requests.
      let j = i;
      for (let n = 0; j < ranges.length && (limit === undefined || n < WAVE); j++) n += ranges[j].count;
      while (
        j < ranges.length &&
        ranges[j].offset - (ranges[j - 1].offset + ranges[j - 1].length) <= this.recordGap
      )
        j++;
      const wave = ranges.slice(i, j);
      const parts = await this.readRuns(wave, signal);
      parts.forEach((p, k) => {
        for (const f of readFeatureRun(p, wave[k].count, "feature records", sec.base + wave[k].offset)) {
          fetched++;
          if (features.length < max && accept(f)) features.push(f);
        }
      });
      i = j;
    }
    return { features, fetched };
  }

  /** Record runs in coalesced requests (gap, cap and byte slack), concurrently. */
  private readRuns(runs: RecordRun[], signal?: AbortSignal): Promise<Uint8Array[]> {
    return this.secs.records.readMany(runs, this.recordGap, this.maxRequest, signal, this.recordSlack);
  }

  /** No usable index: read the records region sequentially in large chunks. */
  private async scan(accept: (f: Feature) => boolean, limit: number | undefined, signal?: AbortSignal) {
    const sec = this.secs.records;
    const end = this.dir.featuresLength;
    const features: Feature[] = [];
    let fetched = 0;
    let pos = 0;
    let buf: Uint8Array = new Uint8Array(0);
    let bufStart = 0;
    const max = limit ?? Number.POSITIVE_INFINITY;
    while (pos < end && features.length < max) {
      if (pos + 8 > end)
        throw indexError("feature records", sec.base + pos, "record header runs past the records region");
      if (pos + 8 > bufStart + buf.length) {
        const len = Math.min(this.maxRequest, end - pos);
        const chunk = await sec.read(pos, len, signal);
        const rest = buf.subarray(pos - bufStart);
        buf = concat(rest, chunk);
        bufStart = pos;
        // A record may straddle chunks: fetch more below if needed.
      }
      const dv = new DataView(buf.buffer, buf.byteOffset + (pos - bufStart));
      const total = 8 + dv.getUint32(4, true);
      if (pos + total > end)
        throw indexError("feature records", sec.base + pos, "record runs past the records region");
      while (pos + total > bufStart + buf.length) {
        const from = bufStart + buf.length;
        const chunk = await sec.read(from, Math.min(this.maxRequest, end - from), signal);
        buf = concat(buf, chunk);
      }
      const [f] = readFeatureRun(
        buf.subarray(pos - bufStart, pos - bufStart + total),
        1,
        "feature records",
        sec.base + pos,
      );
      fetched++;
      if (accept(f)) features.push(f);
      pos += total;
      pos = Math.ceil(pos / 8) * 8;
    }
    return { features, fetched };
  }

  /**
   * Walk every structure a query or a track lookup can reach and check it:
   * every R-tree node down to the leaves (the leaves must cover exactly the
   * directory's features), every record both through the R-tree's runs and
   * as a full scan reads them, every node, bloom page and reference of each
   * attribute index (each reference read as a query would), and every track.
   * Throws the IndexError a query would; returns what it walked.
   */
  async verifyAll(signal?: AbortSignal): Promise<{ features: number; tracks: number; indices: number }> {
    const rt = await RTreeReader.open(
      this.secs.rtree,
      this.dir.rtreeHeadLength,
      { ...this.tuning, descend: "always" },
      signal,
    );
    const runs = await rt.search({}, signal);
    const covered = runs.reduce((n, r) => n + r.count, 0);
    if (covered !== this.dir.featureCount)
      throw indexError(
        "feature R-tree",
        this.secs.rtree.base,
        `leaves cover ${covered} features, the directory lists ${this.dir.featureCount}`,
      );
    const none = () => false;
    await this.fetchRecords(runs, none, undefined, signal);
    const scanned = await this.scan(none, undefined, signal);
    if (scanned.fetched !== this.dir.featureCount)
      throw indexError(
        "feature records",
        this.secs.records.base,
        `the records region holds ${scanned.fetched} features, the directory lists ${this.dir.featureCount}`,
      );
    for (const entry of this.dir.indices) {
      const ix = await (this.openIndex(entry.name, signal) as Promise<AttributeIndexReader>);
      const refs = await ix.verifyAll(signal);
      const map = new Map<number, number>();
      for (let i = 0; i < refs.a.length; i++) map.set(refs.a[i], refs.b[i]);
      await this.fetchRecords(refRuns(map), none, undefined, signal);
    }
    for (let id = 0; id < this.dir.trackCount; id++) await this.track(id, signal);
    return { features: this.dir.featureCount, tracks: this.dir.trackCount, indices: this.dir.indices.length };
  }

  /** A track with all its features (undefined when there is no such track). */
  async track(id: number, signal?: AbortSignal): Promise<(Track & { features: Feature[] }) | undefined> {
    if (!Number.isInteger(id) || id < 0 || id >= this.dir.trackCount) return undefined;
    const sec = this.secs.records;
    const page = Math.floor(id / TRACK_DIR_PAGE);
    const inPage = Math.min(TRACK_DIR_PAGE, this.dir.trackCount - page * TRACK_DIR_PAGE);
    const off = this.dir.trackDirOffset + page * (4 + TRACK_DIR_PAGE * 8);
    const bytes = await sec.read(off, 4 + inPage * 8, signal);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0, true) !== checksum(bytes, 4))
      throw indexError("track directory", sec.base + off, "checksum mismatch", bytes.length);
    const k = id - page * TRACK_DIR_PAGE;
    const a = dv.getUint32(4 + 8 * k, true);
    const b = dv.getUint32(8 + 8 * k, true);
    const tOff = a * 8;
    if (tOff < this.dir.tracksOffset || tOff + b > this.dir.tracksOffset + this.dir.tracksLength) {
      throw indexError("track directory", sec.base + off, `track ${id} reference out of bounds`);
    }
    const { track, refs } = readTrackRecord(
      await sec.read(tOff, b, signal),
      "track records",
      sec.base + tOff,
    );
    if (track.id !== id)
      throw indexError("track records", sec.base + tOff, `expected track ${id}, found ${track.id}`);
    const map = new Map<number, number>();
    for (const r of refs) map.set(r.a, r.b);
    const { features } = await this.fetchRecords(refRuns(map), () => true, undefined, signal);
    features.sort((x, y) => x.timestep - y.timestep || x.id - y.id);
    return { ...track, features };
  }
}

/** Single record refs (offset / 8 → length) as runs of one record. */
function refRuns(refs: Map<number, number>): RecordRun[] {
  return [...refs].map(([a, b]) => ({ offset: a * 8, length: b, count: 1 }));
}

/** Whether a record offset lies in one of the sorted, disjoint runs. */
function inRuns(runs: RecordRun[], offset: number): boolean {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid];
    if (offset < r.offset) hi = mid - 1;
    else if (offset >= r.offset + r.length) lo = mid + 1;
    else return true;
  }
  return false;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function validate(q: FeatureQuery): void {
  const bad = (m: string) => new FlatvoxError("QueryError", m);
  if (q.box) {
    for (const v of [...q.box.min, ...q.box.max])
      if (typeof v !== "number" || Number.isNaN(v)) throw bad("box coordinates must be numbers");
    if (q.box.min.length !== 3 || q.box.max.length !== 3) throw bad("box min and max need 3 coordinates");
  }
  if (q.time && !(q.time.length === 2 && q.time[0] <= q.time[1]))
    throw bad("time must be [t0, t1] with t0 <= t1");
  for (const w of q.where ?? []) {
    if (!Array.isArray(w) || w.length !== 3 || typeof w[0] !== "string" || !OPS.includes(w[1])) {
      throw bad(
        `malformed condition ${JSON.stringify(w)}; expected [property, "= | != | > | < | >= | <=", value]`,
      );
    }
  }
  if (q.limit !== undefined && !(Number.isInteger(q.limit) && q.limit >= 0))
    throw bad("limit must be a non-negative integer");
}

/** The exact predicate every returned feature satisfies (also the test oracle's definition). */
export function matches(f: Feature, q: FeatureQuery, types: Map<string, KeyType>): boolean {
  if (q.box && !boxIntersects(f.box.min, f.box.max, q.box.min, q.box.max)) return false;
  if (q.time && !timeIntersects(f.time[0], f.time[1], q.time)) return false;
  for (const [prop, op, value] of q.where ?? []) {
    const stored = featureValue(f, prop);
    const type = types.get(prop) ?? inferType(stored);
    if (type === undefined) {
      // Booleans (and nulls): equality only; null never matches.
      if (typeof stored !== "boolean" || (op !== "=" && op !== "!=")) return false;
      if ((stored === value) !== (op === "=")) return false;
      continue;
    }
    if (!matchValue(type, stored, op, value)) return false;
  }
  return true;
}

function inferType(v: PropValue): KeyType | undefined {
  if (typeof v === "number") return "f64";
  if (typeof v === "bigint") return "i64";
  if (typeof v === "string") return "string";
  return undefined;
}

function describeSpace(q: FeatureQuery): string {
  const parts: string[] = [];
  if (q.box) parts.push(`box [${q.box.min.join(",")}]-[${q.box.max.join(",")}]`);
  if (q.time) parts.push(`time [${q.time[0]}, ${q.time[1]}]`);
  return parts.join(" ");
}

function describeWhere(w: WhereCondition): string {
  return `${w[0]} ${w[1]} ${typeof w[2] === "bigint" ? `${w[2]}n` : JSON.stringify(w[2])}`;
}
