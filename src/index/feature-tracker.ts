/**
 * Tracks features over time by overlap between consecutive timesteps.
 *
 * A current instance continues a track only when the match is one-to-one
 * (its single predecessor has it as single successor). Otherwise it starts a
 * new track whose parents are the tracks of all its predecessors; a track with
 * several successors ends as "split", several tracks meeting in one instance
 * end as "merged". Overlap is counted in voxels when labels are available
 * (extraction through the tracker) and in box intersection volume otherwise.
 */
import type { TypedArray, Vec3 } from "../shared/types";
import { type ExtractOptions, labelComponents } from "./extract-features";
import type { FeatureBox, FeatureInstance, Track } from "./feature-types";

export interface TrackerOptions {
  /** Minimum overlap (voxels, or box volume for label-less input) for a match. Default 1. */
  minOverlap?: number;
}

interface Prev {
  instances: FeatureInstance[];
  labels?: Int32Array;
}

export class FeatureTracker {
  private readonly all: FeatureInstance[] = [];
  private readonly tracks: Track[] = [];
  private prev: Prev | undefined;
  private lastTimestep = -1;
  private lastTime = Number.NEGATIVE_INFINITY;
  private finished = false;
  private readonly minOverlap: number;

  constructor(opts: TrackerOptions = {}) {
    this.minOverlap = Math.max(1, opts.minOverlap ?? 1);
  }

  /** Extract regions of one timestep's field and track them. Returns the new instances (with global ids and tracks). */
  push(
    timestep: number,
    time: number,
    data: TypedArray,
    dims: Vec3,
    opts: ExtractOptions,
  ): FeatureInstance[] {
    const { labels, instances } = labelComponents(data, dims, opts);
    return this.accept(timestep, time, instances, labels);
  }

  /** Track already-detected instances of one timestep (box overlap). Their `id`s are replaced by global ids. */
  pushInstances(timestep: number, time: number, instances: FeatureInstance[]): FeatureInstance[] {
    return this.accept(
      timestep,
      time,
      instances.map((f) => ({ ...f })),
      undefined,
    );
  }

  private accept(
    timestep: number,
    time: number,
    cur: FeatureInstance[],
    labels: Int32Array | undefined,
  ): FeatureInstance[] {
    if (this.finished) throw new Error("FeatureTracker: push after finish()");
    if (timestep <= this.lastTimestep || !(time >= this.lastTime)) {
      throw new Error(
        `FeatureTracker: timesteps must arrive in order (got ${timestep} after ${this.lastTimestep})`,
      );
    }
    const base = this.all.length;
    cur.forEach((f, k) => {
      f.id = base + k;
      f.timestep = timestep;
      f.time = [time, time];
    });
    const prev = this.prev;
    const preds: number[][] = cur.map(() => []);
    const succs: number[][] = prev ? prev.instances.map(() => []) : [];
    if (prev) {
      const overlaps =
        prev.labels && labels
          ? voxelOverlap(prev.labels, labels, cur.length)
          : boxOverlap(prev.instances, cur);
      for (const [p, c, amount] of overlaps) {
        if (amount < this.minOverlap || prev.instances[p].type !== cur[c].type) continue;
        preds[c].push(p);
        succs[p].push(c);
      }
    }
    const continued = new Set<number>();
    cur.forEach((f, c) => {
      const ps = preds[c];
      if (prev && ps.length === 1 && succs[ps[0]].length === 1) {
        const t = prev.instances[ps[0]].track as number;
        f.track = t;
        continued.add(t);
        this.extend(this.tracks[t], f, timestep, time);
        return;
      }
      const track: Track = {
        id: this.tracks.length,
        type: f.type,
        birth: { timestep, time },
        death: { timestep, time },
        fate: "active",
        parents: [],
        children: [],
        trajectory: [],
      };
      this.tracks.push(track);
      f.track = track.id;
      this.extend(track, f, timestep, time);
      if (prev) {
        for (const p of ps) {
          const parent = this.tracks[prev.instances[p].track as number];
          if (!track.parents.includes(parent.id)) track.parents.push(parent.id);
          if (!parent.children.includes(track.id)) parent.children.push(track.id);
        }
      }
    });
    if (prev) {
      prev.instances.forEach((p, k) => {
        const t = this.tracks[p.track as number];
        if (continued.has(t.id) || t.fate !== "active") return;
        const s = succs[k];
        if (s.length === 0) t.fate = "dissipated";
        else if (s.length > 1) t.fate = "split";
        else t.fate = "merged";
      });
    }
    this.all.push(...cur);
    this.prev = { instances: cur, labels };
    this.lastTimestep = timestep;
    this.lastTime = time;
    return cur;
  }

  private extend(track: Track, f: FeatureInstance, timestep: number, time: number): void {
    track.death = { timestep, time };
    track.trajectory.push({ timestep, time, feature: f.id, centroid: f.centroid, voxels: f.voxels });
  }

  /** All instances so far (ids = positions) and the track table. */
  finish(): { instances: FeatureInstance[]; tracks: Track[] } {
    this.finished = true;
    this.prev = undefined;
    return { instances: this.all, tracks: this.tracks };
  }
}

/** Voxel overlap counts between labels of two consecutive timesteps: [prevIndex, curIndex, voxels]. */
export function voxelOverlap(a: Int32Array, b: Int32Array, nb: number): [number, number, number][] {
  const counts = new Map<number, number>();
  const stride = nb + 1;
  for (let i = 0; i < a.length; i++) {
    const la = a[i];
    if (la < 0) continue;
    const lb = b[i];
    if (lb < 0) continue;
    const k = la * stride + lb;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const out: [number, number, number][] = [];
  for (const [k, v] of counts) out.push([Math.floor(k / stride), k % stride, v]);
  return out;
}

function boxOverlap(prev: FeatureInstance[], cur: FeatureInstance[]): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let p = 0; p < prev.length; p++) {
    for (let c = 0; c < cur.length; c++) {
      const v = intersectionVolume(prev[p].box, cur[c].box);
      if (v > 0) out.push([p, c, v]);
    }
  }
  return out;
}

function intersectionVolume(a: FeatureBox, b: FeatureBox): number {
  let v = 1;
  for (let k = 0; k < 3; k++) {
    const d = Math.min(a.max[k], b.max[k]) - Math.max(a.min[k], b.min[k]);
    if (d <= 0) return 0;
    v *= d;
  }
  return v;
}
