/**
 * Values along a line segment at one timestep ("plot over line"): uniform
 * steps of at most one level-0 voxel along every axis between two points,
 * each sample the value of the level-0 voxel holding it. Only the bricks the
 * samples fall in are read (uniform bricks answer from their entry, no I/O),
 * each once, in bounded waves like a region read.
 */
import { Encoding } from "../format/constants";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import { bytesPerValue, type Vec3 } from "../shared/types";
import { applyPoint, gridToWorld, worldToGrid } from "../shared/world-transform";
import { decodeWith } from "../worker/executor";
import type { BrickAccess, CallOptions, FieldRef, LocatedEntry } from "./dataset-types";
import { inWaves } from "./waves";

export interface LineQuery {
  field: FieldRef;
  t: number;
  /** Segment ends. `space: "voxel"` (default): continuous level-0 voxel coordinates (voxel i spans [i, i+1)); "world": world coordinates. */
  from: Vec3;
  to: Vec3;
  space?: "voxel" | "world";
}

export interface LineResult {
  /** Number of samples (segment length in voxels along its longest axis, rounded up, plus one). */
  count: number;
  /** World distance of each sample from `from`, in the dataset's space units. */
  distance: Float64Array;
  /** Level-0 voxel of each sample, flattened ijk (3 per sample). */
  voxels: Int32Array;
  /** Value of each sample's voxel. */
  values: Float64Array;
  /** Distinct bricks the samples fall in, and how many of them stored bytes (were fetched). */
  bricks: number;
  storedBricks: number;
}

function checkSpace(space: unknown): void {
  if (space !== undefined && space !== "voxel" && space !== "world")
    throw new FlatvoxError("QueryError", `point space must be "voxel" or "world", not ${String(space)}`);
}

/** The sample points of a segment in continuous level-0 voxel coordinates, and their voxels. */
export function linePoints(
  from: Vec3,
  to: Vec3,
  dims: Vec3,
): { count: number; voxels: Int32Array; fractions: Float64Array } {
  for (const [name, p] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (p.length !== 3 || !p.every((v, i) => Number.isFinite(v) && v >= 0 && v <= dims[i]))
      throw new FlatvoxError(
        "RangeError",
        `line ${name} ${JSON.stringify(p)} outside the grid [0, ${dims.join("]×[0, ")}]`,
      );
  }
  const d = [0, 1, 2].map((i) => to[i] - from[i]);
  const steps = Math.ceil(Math.max(Math.abs(d[0]), Math.abs(d[1]), Math.abs(d[2])));
  const count = steps + 1;
  const voxels = new Int32Array(count * 3);
  const fractions = new Float64Array(count);
  for (let s = 0; s < count; s++) {
    const f = steps === 0 ? 0 : s / steps;
    fractions[s] = f;
    for (let i = 0; i < 3; i++) {
      const v = Math.floor(from[i] + d[i] * f);
      // A point on the grid's far face belongs to the last voxel.
      voxels[s * 3 + i] = Math.min(v, dims[i] - 1);
    }
  }
  return { count, voxels, fractions };
}

export async function sampleLine(
  access: BrickAccess,
  q: LineQuery,
  opts: CallOptions = {},
): Promise<LineResult> {
  throwIfAborted(opts.signal);
  checkSpace(q.space);
  const { field } = access.checkQuery(q.field, q.t, 0);
  const info = access.info;
  const toGrid = q.space === "world" ? worldToGrid(info) : undefined;
  const from = toGrid ? applyPoint(toGrid, q.from) : ([...q.from] as Vec3);
  const to = toGrid ? applyPoint(toGrid, q.to) : ([...q.to] as Vec3);
  const { count, voxels, fractions } = linePoints(from, to, info.dims);
  const toWorld = gridToWorld(info);
  const a = applyPoint(toWorld, from);
  const b = applyPoint(toWorld, to);
  const length = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
  const distance = new Float64Array(count);
  for (let s = 0; s < count; s++) distance[s] = fractions[s] * length;

  // Samples grouped by brick, in the order the segment meets them.
  const B = info.brickSize;
  const byBrick = new Map<string, { brick: Vec3; samples: number[] }>();
  for (let s = 0; s < count; s++) {
    const brick = [0, 1, 2].map((i) => Math.floor(voxels[s * 3 + i] / B)) as Vec3;
    const key = brick.join(",");
    let g = byBrick.get(key);
    if (!g) {
      g = { brick, samples: [] };
      byBrick.set(key, g);
    }
    g.samples.push(s);
  }
  const groups = [...byBrick.values()];
  const entries = await Promise.all(groups.map((g) => access.brickEntry(field, q.t, 0, g.brick, opts)));
  const values = new Float64Array(count);
  const stored: { e: LocatedEntry; samples: number[] }[] = [];
  entries.forEach((e, i) => {
    if (e.encoding === Encoding.UNIFORM) for (const s of groups[i].samples) values[s] = e.min;
    else stored.push({ e, samples: groups[i].samples });
  });
  const bpv = bytesPerValue(info.fields[field].dtype);
  await inWaves(
    stored,
    ({ e }) => e.length + e.size[0] * e.size[1] * e.size[2] * bpv,
    async ({ e, samples }) => {
      const job = await access.brickJob(e, opts);
      await decodeWith(
        access.executor,
        job,
        (data) => {
          for (const s of samples) {
            const x = voxels[s * 3] - e.voxelMin[0];
            const y = voxels[s * 3 + 1] - e.voxelMin[1];
            const z = voxels[s * 3 + 2] - e.voxelMin[2];
            values[s] = data[x + e.size[0] * (y + e.size[1] * z)];
          }
        },
        { signal: opts.signal, transferInput: job.ownsBytes },
      );
    },
    { signal: opts.signal, waveBytes: opts.waveBytes },
  );
  return { count, distance, voxels, values, bricks: groups.length, storedBricks: stored.length };
}
