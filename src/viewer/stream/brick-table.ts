/**
 * The bookkeeping both brick stores share (the page's own `BrickStore` and
 * its mirror of the backend worker's, `BackendBrickStore`): summaries per
 * address, how many are known per field and timestep, payloads per content
 * key in an LRU under a CPU byte budget, and the content keys the visible set
 * protects from eviction.
 */
import type { BrickAddress, BrickPayload, BrickSummary } from "../data/viewer-types";

export function addrKey(a: BrickAddress): string {
  return `${a.field}|${a.t}|${a.level}|${a.brick[0]},${a.brick[1]},${a.brick[2]}`;
}

/** Bytes a payload holds on this thread (values and/or GPU form), or keeps in the backend for this thread. */
export function payloadBytes(p: BrickPayload): number {
  return (
    (p.data?.byteLength ?? 0) +
    (p.heldBytes ?? 0) +
    (p.ready ? p.ready.half.byteLength + p.ready.blockMax.byteLength : 0)
  );
}

export class BrickTable {
  private readonly summaries = new Map<string, BrickSummary>();
  private readonly perStep = new Map<string, number>();
  /** Payloads by content key; insertion order = least recently used first. */
  readonly data = new Map<string, BrickPayload>();
  /** Content keys the visible set needs: never evicted. */
  protectedKeys = new Set<string>();
  cpuBytes = 0;

  /** How many brick summaries of one field and timestep are known (changes when new ones arrive). */
  summaryCount(field: string, t: number): number {
    return this.perStep.get(`${field}|${t}`) ?? 0;
  }

  summary(a: BrickAddress): BrickSummary | undefined {
    return this.summaries.get(addrKey(a));
  }

  setSummary(a: BrickAddress, s: BrickSummary): void {
    const k = addrKey(a);
    if (!this.summaries.has(k)) {
      const pk = `${a.field}|${a.t}`;
      this.perStep.set(pk, (this.perStep.get(pk) ?? 0) + 1);
    }
    this.summaries.set(k, s);
  }

  /** The payload of a known summary (touches the LRU). */
  payload(s: BrickSummary): BrickPayload | undefined {
    const p = this.data.get(s.contentKey);
    if (p) {
      this.data.delete(s.contentKey);
      this.data.set(s.contentKey, p);
    }
    return p;
  }

  /** True when the brick can be drawn/picked without waiting. */
  isReady(a: BrickAddress, needsData: (a: BrickAddress, s: BrickSummary) => boolean): boolean {
    const s = this.summaries.get(addrKey(a));
    return !!s && (s.uniform !== undefined || this.data.has(s.contentKey) || !needsData(a, s));
  }

  /** Protect the contents of the visible requests (tier 0) whose summaries are known. */
  protect(reqs: { addr: BrickAddress; tier: number }[]): void {
    this.protectedKeys = new Set();
    for (const r of reqs) {
      if (r.tier !== 0) continue;
      const s = this.summaries.get(addrKey(r.addr));
      if (s) this.protectedKeys.add(s.contentKey);
    }
  }

  /** Store (or replace) a content's payload, recounting its bytes. */
  set(key: string, p: BrickPayload): void {
    const old = this.data.get(key);
    if (old) this.cpuBytes -= payloadBytes(old);
    this.data.set(key, p);
    this.cpuBytes += payloadBytes(p);
  }

  delete(key: string): boolean {
    const p = this.data.get(key);
    if (!p) return false;
    this.data.delete(key);
    this.cpuBytes -= payloadBytes(p);
    return true;
  }

  /** Evict least recently used, unprotected payloads (except `keep`) down to `budget`: the keys evicted. */
  evict(budget: number, keep?: string): string[] {
    const gone: string[] = [];
    for (const [k, v] of this.data) {
      if (this.cpuBytes <= budget) break;
      if (this.protectedKeys.has(k) || k === keep) continue;
      this.data.delete(k);
      this.cpuBytes -= payloadBytes(v);
      gone.push(k);
    }
    return gone;
  }
}

/** The lookups both brick stores answer from their table. */
export abstract class TableStore {
  /** False when a brick's summary alone suffices (e.g. it is invisible under the current transfer function). */
  needsData: (addr: BrickAddress, s: BrickSummary) => boolean = () => true;
  protected readonly table = new BrickTable();

  /** How many brick summaries of one field and timestep are known (changes when new ones arrive). */
  summaryCount(field: string, t: number): number {
    return this.table.summaryCount(field, t);
  }

  summary(a: BrickAddress): BrickSummary | undefined {
    return this.table.summary(a);
  }

  /** The payload for a brick whose summary is known (touches the LRU). */
  payload(s: BrickSummary): BrickPayload | undefined {
    return this.table.payload(s);
  }

  /** True when the brick can be drawn/picked without waiting. */
  isReady(a: BrickAddress): boolean {
    return this.table.isReady(a, this.needsData);
  }
}
