import { describe, expect, it } from "vitest";
import { extractFeatures, labelComponents } from "../../../src/index/extract-features";
import { FeatureTracker } from "../../../src/index/feature-tracker";
import type { Vec3 } from "../../../src/shared/types";

const dims: Vec3 = [20, 16, 12];
const idx = (x: number, y: number, z: number) => x + dims[0] * (y + dims[1] * z);

function fillBox(a: Float32Array, min: Vec3, max: Vec3, v: number) {
  for (let z = min[2]; z < max[2]; z++)
    for (let y = min[1]; y < max[1]; y++) for (let x = min[0]; x < max[0]; x++) a[idx(x, y, z)] = v;
}

describe("extractFeatures", () => {
  it("finds known blobs with exact boxes, counts and stats", () => {
    const a = new Float32Array(dims[0] * dims[1] * dims[2]);
    fillBox(a, [1, 1, 1], [4, 5, 3], 2); // 3*4*2 = 24 voxels
    fillBox(a, [10, 2, 0], [12, 4, 12], 5); // 2*2*12 = 48
    a[idx(11, 3, 6)] = 9; // peak inside blob 2
    fillBox(a, [15, 10, 5], [16, 11, 6], 3); // single voxel
    // Diagonal neighbour of the single voxel: not 6-connected.
    a[idx(16, 11, 6)] = 3;
    const f = extractFeatures(a, dims, { threshold: 1 });
    expect(f.length).toBe(4);
    const byCount = [...f].sort((p, q) => q.voxels - p.voxels);
    expect(byCount[0].box).toEqual({ min: [10, 2, 0], max: [12, 4, 12] });
    expect(byCount[0].voxels).toBe(48);
    expect(byCount[0].peak).toBe(9);
    expect(byCount[0].mean).toBeCloseTo((47 * 5 + 9) / 48, 10);
    expect(byCount[0].centroid).toEqual([11, 3, 6]);
    expect(byCount[1].box).toEqual({ min: [1, 1, 1], max: [4, 5, 3] });
    expect(byCount[1].voxels).toBe(24);
    expect(byCount[2].voxels).toBe(1);
    expect(byCount[3].voxels).toBe(1);
    expect(f.every((x) => x.type === "region")).toBe(true);
    expect(extractFeatures(a, dims, { threshold: 1, minVoxels: 2 }).length).toBe(2);
    expect(extractFeatures(a, dims, { threshold: 100 }).length).toBe(0);
  });

  it("connects a winding 6-connected path into one region", () => {
    const a = new Float32Array(dims[0] * dims[1] * dims[2]);
    let n = 0;
    for (let x = 0; x < 20; x++) {
      a[idx(x, 0, 0)] = 1;
      n++;
    }
    for (let y = 1; y < 16; y++) {
      a[idx(19, y, 0)] = 1;
      n++;
    }
    for (let z = 1; z < 12; z++) {
      a[idx(19, 15, z)] = 1;
      n++;
    }
    const { labels, instances } = labelComponents(a, dims, { threshold: 0.5 });
    expect(instances.length).toBe(1);
    expect(instances[0].voxels).toBe(n);
    expect(instances[0].box).toEqual({ min: [0, 0, 0], max: [20, 16, 12] });
    expect(labels[idx(19, 15, 11)]).toBe(0);
    expect(labels[idx(5, 5, 5)]).toBe(-1);
  });

  it("keeps materials apart in categorical fields", () => {
    const a = new Uint8Array(dims[0] * dims[1] * dims[2]);
    for (let x = 0; x < 5; x++) a[idx(x, 0, 0)] = 1;
    for (let x = 5; x < 9; x++) a[idx(x, 0, 0)] = 2; // touches material 1
    for (let x = 12; x < 14; x++) a[idx(x, 0, 0)] = 1;
    for (let x = 0; x < 3; x++) a[idx(x, 5, 5)] = 7; // not selected
    const f = extractFeatures(a, dims, { materials: [1, 2] });
    expect(f.map((x) => [x.type, x.voxels])).toEqual([
      ["material:1", 5],
      ["material:2", 4],
      ["material:1", 2],
    ]);
    expect(() => extractFeatures(a, dims, {})).toThrow(/exactly one/);
    expect(() => extractFeatures(a, [2, 2, 2], { threshold: 0 })).toThrow(/does not match/);
  });
});

describe("FeatureTracker", () => {
  it("records births, deaths, merges and splits", () => {
    const n = dims[0] * dims[1] * dims[2];
    const frame = (boxes: [Vec3, Vec3][]) => {
      const a = new Float32Array(n);
      for (const [min, max] of boxes) fillBox(a, min, max, 1);
      return a;
    };
    const tr = new FeatureTracker();
    // t0: A (left), B (middle-left), C (right, will split)
    tr.push(
      0,
      0,
      frame([
        [
          [0, 0, 0],
          [3, 3, 3],
        ],
        [
          [5, 0, 0],
          [8, 3, 3],
        ],
        [
          [12, 0, 0],
          [20, 3, 3],
        ],
      ]),
      dims,
      { threshold: 0.5 },
    );
    // t1: A and B merge into AB; C splits into C1, C2; D is born
    tr.push(
      1,
      0.5,
      frame([
        [
          [1, 0, 0],
          [7, 3, 3],
        ],
        [
          [12, 0, 0],
          [15, 3, 3],
        ],
        [
          [17, 0, 0],
          [20, 3, 3],
        ],
        [
          [0, 10, 10],
          [2, 12, 12],
        ],
      ]),
      dims,
      { threshold: 0.5 },
    );
    // t2: AB continues; C1 vanishes; C2 continues; D vanishes
    tr.push(
      2,
      1,
      frame([
        [
          [1, 0, 0],
          [6, 3, 3],
        ],
        [
          [18, 0, 0],
          [20, 3, 3],
        ],
      ]),
      dims,
      { threshold: 0.5 },
    );
    const { instances, tracks } = tr.finish();
    expect(instances.length).toBe(3 + 4 + 2);
    expect(instances.map((f) => f.id)).toEqual([...instances.keys()]);
    const trackOf = (t: number, x: number) => {
      const f = instances.find(
        (g) => g.timestep === t && g.box.min[0] <= x && x < g.box.max[0] && g.box.min[1] === 0,
      );
      return tracks[f?.track as number];
    };
    const A = trackOf(0, 0);
    const B = trackOf(0, 5);
    const C = trackOf(0, 12);
    const AB = trackOf(1, 3);
    const C1 = trackOf(1, 12);
    const C2 = trackOf(1, 18);
    expect(new Set([A.id, B.id, C.id, AB.id, C1.id, C2.id]).size).toBe(6);
    expect(A.fate).toBe("merged");
    expect(B.fate).toBe("merged");
    expect(A.children).toEqual([AB.id]);
    expect(AB.parents.sort()).toEqual([A.id, B.id].sort());
    expect(C.fate).toBe("split");
    expect(C.children.sort()).toEqual([C1.id, C2.id].sort());
    expect(C1.parents).toEqual([C.id]);
    expect(C1.fate).toBe("dissipated");
    expect(C1.death).toEqual({ timestep: 1, time: 0.5 });
    expect(C2.fate).toBe("active");
    expect(C2.death).toEqual({ timestep: 2, time: 1 });
    expect(AB.trajectory.map((p) => p.timestep)).toEqual([1, 2]);
    expect(AB.birth).toEqual({ timestep: 1, time: 0.5 });
    const D = tracks.find(
      (t) => t.birth.timestep === 1 && t.parents.length === 0 && t.trajectory[0].centroid[1] > 9,
    );
    expect(D?.fate).toBe("dissipated");
    expect(D?.death.timestep).toBe(1);
    expect(tracks.length).toBe(7);
    expect(() => tr.push(3, 2, frame([]), dims, { threshold: 0.5 })).toThrow();
  });

  it("tracks user instances by box overlap and rejects out-of-order timesteps", () => {
    const tr = new FeatureTracker();
    const f = (x: number) => ({
      id: 0,
      type: "v",
      box: { min: [x, 0, 0] as Vec3, max: [x + 2, 1, 1] as Vec3 },
      voxels: 2,
      peak: 1,
      mean: 1,
      centroid: [x + 1, 0.5, 0.5] as Vec3,
    });
    tr.pushInstances(0, 10, [f(0)]);
    tr.pushInstances(1, 20, [f(1)]);
    expect(() => tr.pushInstances(1, 30, [f(2)])).toThrow(/in order/);
    const { instances, tracks } = tr.finish();
    expect(tracks.length).toBe(1);
    expect(instances.map((i) => i.track)).toEqual([0, 0]);
    expect(tracks[0].trajectory.map((p) => p.time)).toEqual([10, 20]);
  });
});
