/**
 * The three slice planes drawn in the 3D view: an outline per plane at its
 * voxel index (level-0 grid units under the grid → world transform), in the
 * colour of its pane.
 */
import * as THREE from "three";
import type { Vec3 } from "../../shared/types";
import { columnMajor4, gridToWorld } from "../../shared/world-transform";
import type { ViewerInfo } from "../data/viewer-types";
import { PANES } from "./slice-geometry";

/** Pane colours (XY, XZ, YZ): the colour of the axis normal to each. */
export const PANE_COLOURS = ["#4f8cff", "#4fd17a", "#ff5a5a"];

export class SlicePlanes {
  readonly group = new THREE.Group();
  private readonly loops: THREE.LineLoop[] = [];

  constructor(private readonly info: ViewerInfo) {
    this.group.matrixAutoUpdate = false;
    this.group.matrix.fromArray(columnMajor4(gridToWorld(info)));
    this.group.matrixWorldNeedsUpdate = true;
    for (let i = 0; i < PANES.length; i++) {
      const geo = new THREE.BufferGeometry();
      geo.setAttribute("position", new THREE.Float32BufferAttribute(new Float32Array(12), 3));
      const mat = new THREE.LineBasicMaterial({
        color: PANE_COLOURS[i],
        depthTest: false,
        transparent: true,
      });
      const loop = new THREE.LineLoop(geo, mat);
      loop.renderOrder = 10;
      loop.frustumCulled = false;
      this.loops.push(loop);
      this.group.add(loop);
    }
  }

  /** Put each plane through the centre of voxel `pos` along its normal. */
  update(pos: Vec3): void {
    const d = this.info.dims;
    PANES.forEach((p, i) => {
      const c = pos[p.normal] + 0.5;
      const corners: number[] = [];
      for (const [a, b] of [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ]) {
        const q = [0, 0, 0];
        q[p.normal] = c;
        q[p.u] = a * d[p.u];
        q[p.v] = b * d[p.v];
        corners.push(...q);
      }
      const attr = this.loops[i].geometry.getAttribute("position") as THREE.BufferAttribute;
      (attr.array as Float32Array).set(corners);
      attr.needsUpdate = true;
    });
  }

  dispose(): void {
    this.group.removeFromParent();
    for (const l of this.loops) {
      l.geometry.dispose();
      (l.material as THREE.Material).dispose();
    }
  }
}
