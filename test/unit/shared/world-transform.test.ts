/** Grid ↔ world helpers: inverse, rays, the voxel-centre convention, the three.js matrix. */
import * as THREE from "three";
import { describe, expect, it } from "vitest";
import {
  applyPoint,
  applyRay,
  axisAligned,
  columnMajor4,
  composeAffine,
  fromCentreAffine,
  gridToWorld,
  invertAffine,
  placementSummary,
  pullBackPlane,
  worldToGrid,
} from "../../../src/shared/world-transform";

const M = [0.8, -0.6, 0.3, 10, 0.6, 0.8, -0.2, -5, 0.1, 0, -2.5, 7];

describe("world transform helpers", () => {
  it("the inverse undoes the map, for points and rays", () => {
    const inv = invertAffine(M);
    const p = [1.5, -2, 3.25];
    const back = applyPoint(inv, applyPoint(M, p));
    for (let k = 0; k < 3; k++) expect(back[k]).toBeCloseTo(p[k], 12);
    const r = applyRay(inv, applyRay(M, { origin: [1, 2, 3], direction: [0, 0, 1] }));
    for (let k = 0; k < 3; k++) expect(r.direction[k]).toBeCloseTo([0, 0, 1][k], 12);
    expect(() => invertAffine([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0])).toThrow(RangeError);
  });

  it("a voxel-centre affine becomes a corner affine: M·(ijk + ½) = A·ijk", () => {
    const A = [
      [-2, 0, 0, 90],
      [0, 2, 0, -126],
      [0, 0, 2, -72],
      [0, 0, 0, 1],
    ];
    const m = fromCentreAffine(A);
    expect(applyPoint(m, [0.5, 0.5, 0.5])).toEqual([90, -126, -72]);
    expect(placementSummary(m)).toEqual({ origin: [91, -127, -73], spacing: [2, 2, 2] });
  });

  it("without a transform the map is origin + spacing ⊙ p", () => {
    const info = {
      origin: [1, 2, 3] as [number, number, number],
      spacing: [2, 4, 8] as [number, number, number],
    };
    expect(applyPoint(gridToWorld(info), [1, 1, 1])).toEqual([3, 6, 11]);
    expect(applyPoint(worldToGrid(info), [3, 6, 11])).toEqual([1, 1, 1]);
    expect(composeAffine(axisAligned([0, 0, 0], [1, 1, 1]), M)).toEqual(M);
  });

  it("columnMajor4 is what three.js applies", () => {
    const v = new THREE.Vector3(1, -2, 0.5).applyMatrix4(new THREE.Matrix4().fromArray(columnMajor4(M)));
    const w = applyPoint(M, [1, -2, 0.5]);
    for (let k = 0; k < 3; k++) expect(v.getComponent(k)).toBeCloseTo(w[k], 12);
  });

  it("a plane pulled back through M keeps each point's side, and distances under a rotation", () => {
    const n = [0.6, 0, 0.8];
    const c = -3;
    const q = pullBackPlane(M, n, c);
    for (const x of [
      [0, 0, 0],
      [5, -2, 1],
      [-4, 3, 9],
    ]) {
      const w = applyPoint(M, x);
      const world = n[0] * w[0] + n[1] * w[1] + n[2] * w[2] + c;
      const local = q[0] * x[0] + q[1] * x[1] + q[2] * x[2] + q[3];
      expect(Math.sign(local)).toBe(Math.sign(world));
    }
    const rot = [0, -1, 0, 4, 1, 0, 0, -2, 0, 0, 1, 1];
    const r = pullBackPlane(rot, n, c);
    const w = applyPoint(rot, [1, 2, 3]);
    expect(r[0] + 2 * r[1] + 3 * r[2] + r[3]).toBeCloseTo(n[0] * w[0] + n[1] * w[1] + n[2] * w[2] + c, 12);
  });
});
