/**
 * ds.selectLod with a world transform: a camera given in world coordinates
 * selects the same bricks as the equivalent camera on the same grid placed
 * axis-aligned (the transform here is a rotation with a flip, so distances
 * and frustum planes carry over exactly).
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LodCamera } from "../../../src/core/lod";
import { openDataset } from "../../../src/reader";
import type { Vec3 } from "../../../src/shared/types";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, packSmall, tempDir } from "./fixtures";

afterAll(cleanupTemp);

const DIMS: Vec3 = [64, 48, 40];
const T: Vec3 = [100, -50, 20];
// world = R·p + T, R a rotation about z by 90° followed by a z flip (det −1).
const R = [0, -1, 0, 1, 0, 0, 0, 0, -1];
const rot = (v: number[]): Vec3 =>
  [0, 1, 2].map((r) => R[r * 3] * v[0] + R[r * 3 + 1] * v[1] + R[r * 3 + 2] * v[2]) as Vec3;

/** A camera in the axis-aligned placement (origin T, spacing 1) → the same camera in world coordinates. */
function toWorld(c: LodCamera): LodCamera {
  const eye = rot(c.eye.map((x, k) => x - T[k]));
  const planes: number[] = [];
  for (let i = 0; i < c.planes.length; i += 4) {
    const n = [c.planes[i], c.planes[i + 1], c.planes[i + 2]];
    const rn = rot(n);
    const c2 =
      c.planes[i + 3] + n.reduce((s, x, k) => s + x * T[k], 0) - rn.reduce((s, x, k) => s + x * T[k], 0);
    planes.push(...rn, c2);
  }
  return { ...c, eye: eye.map((x, k) => x + T[k]) as Vec3, planes };
}

describe("ds.selectLod with a world transform", () => {
  it("world cameras select what the axis-aligned equivalent selects", async () => {
    const p = await packSmall([{ name: "f", dtype: "f32", kind: "scalar" }], DIMS, {}, 3);
    const spec = {
      dims: DIMS,
      fields: [{ name: "f", dtype: "f32" as const, kind: "scalar" as const }],
      times: [0.5, 1.5, 4],
    };
    const plainPath = join(tempDir(), "plain.fvx");
    await packDataset({ ...spec, origin: T, spacing: [1, 1, 1] }, p.steps, plainPath, {
      brickSize: 16,
      workers: 0,
    });
    const turnedPath = join(tempDir(), "turned.fvx");
    const transform = [0, -1, 0, T[0], 1, 0, 0, T[1], 0, 0, -1, T[2]];
    await packDataset({ ...spec, origin: T, spacing: [1, 1, 1], transform }, p.steps, turnedPath, {
      brickSize: 16,
      workers: 0,
    });
    const plain = await openDataset(plainPath, { workers: false });
    const turned = await openDataset(turnedPath, { workers: false });
    expect(turned.info.transform).toEqual(transform);
    // A frustum-ish box around part of the grid (culls some bricks), eyes near and far.
    const planes = [
      1,
      0,
      0,
      -(T[0] + 10),
      -1,
      0,
      0,
      T[0] + 60,
      0,
      1,
      0,
      -(T[1] + 5),
      0,
      -1,
      0,
      T[1] + 40,
      0,
      0,
      1,
      1e9,
      0,
      0,
      -1,
      1e9,
    ];
    for (const eye of [
      [T[0] + 2, T[1] + 2, T[2] + 2],
      [T[0] + 30, T[1] + 10, T[2] - 20],
      [T[0] + 500, T[1], T[2]],
    ]) {
      const cam: LodCamera = {
        eye: eye as Vec3,
        planes,
        viewportHeight: 800,
        fovy: Math.PI / 4,
        threshold: 16,
      };
      const q = { field: "f", t: 0, budget: { bytes: 1e12 } };
      const a = await plain.selectLod({ ...q, camera: cam });
      const b = await turned.selectLod({ ...q, camera: toWorld(cam) });
      expect(
        b.bricks.map((x) => [x.level, ...x.brick]),
        `eye ${eye}`,
      ).toEqual(a.bricks.map((x) => [x.level, ...x.brick]));
      expect(a.bricks.length).toBeGreaterThan(0);
    }
  });
});
