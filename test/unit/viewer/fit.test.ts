/** The first view fits the whole domain box, tightly, whatever the canvas's aspect ratio. */
import * as THREE from "three";
import { describe, expect, it } from "vitest";
import type { Vec3 } from "../../../src/shared/types";
import { fitDistance } from "../../../src/viewer/render/viewport";

function project(min: Vec3, max: Vec3, aspect: number, margin: number): number[][] {
  const dir = new THREE.Vector3(1.1, -1.5, 0.9).normalize();
  const up = new THREE.Vector3(0, 0, 1);
  const cam = new THREE.PerspectiveCamera(40, aspect, 0.01, 1e6);
  cam.up.copy(up);
  const c = new THREE.Vector3(...min.map((v, i) => (v + max[i]) / 2));
  cam.position.copy(c).addScaledVector(dir, fitDistance(min, max, dir, up, 40, aspect, margin));
  cam.lookAt(c);
  cam.updateMatrixWorld();
  const out: number[][] = [];
  for (let k = 0; k < 8; k++) {
    const p = new THREE.Vector3(k & 1 ? max[0] : min[0], k & 2 ? max[1] : min[1], k & 4 ? max[2] : min[2]);
    p.project(cam);
    out.push([p.x, p.y]);
  }
  return out;
}

describe("fitDistance", () => {
  const boxes: [Vec3, Vec3][] = [
    [
      [0, 0, 0],
      [128, 128, 128],
    ],
    [
      [0, 0, 0],
      [160, 48, 24],
    ],
    [
      [-5, 10, 0],
      [5, 400, 3],
    ],
  ];
  for (const [min, max] of boxes)
    for (const aspect of [0.25, 0.76, 1, 2.9])
      it(`box ${max.map((v, i) => v - min[i]).join("×")} at aspect ${aspect}: every corner inside, one at the edge`, () => {
        const ndc = project(min, max, aspect, 1);
        for (const [x, y] of ndc) {
          expect(Math.abs(x)).toBeLessThanOrEqual(1 + 1e-9);
          expect(Math.abs(y)).toBeLessThanOrEqual(1 + 1e-9);
        }
        const edge = Math.max(...ndc.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y))));
        expect(edge).toBeGreaterThan(0.999);
      });
});
