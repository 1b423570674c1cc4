/**
 * Finding your way: the data's world bounds, "reset view" (the opening
 * camera: default direction, whole domain in frame), "fit to data" (keep the
 * viewing direction, frame the clip box), the scale bar's length, and the
 * world axes as the camera sees them (for the triad).
 */
import * as THREE from "three";
import type { Vec3 } from "../../shared/types";
import { applyPoint, gridToWorld } from "../../shared/world-transform";
import type { ViewerInfo } from "../data/viewer-types";
import { fitDistance } from "../render/viewport";
import type { ViewerEngine } from "../stream/engine";

/** World-space bounding box of a box of the grid given in [0,1] of the domain. */
export function worldBounds(
  info: ViewerInfo,
  box: { min: Vec3; max: Vec3 } = { min: [0, 0, 0], max: [1, 1, 1] },
): { min: Vec3; max: Vec3 } {
  const m = gridToWorld(info);
  const corners = [0, 1, 2, 3, 4, 5, 6, 7].map((c) =>
    applyPoint(
      m,
      info.dims.map((n, i) => ((c >> i) & 1 ? box.max[i] : box.min[i]) * n),
    ),
  );
  return {
    min: [0, 1, 2].map((i) => Math.min(...corners.map((p) => p[i]))) as Vec3,
    max: [0, 1, 2].map((i) => Math.max(...corners.map((p) => p[i]))) as Vec3,
  };
}

/** The opening view: the whole domain from the default direction. */
export function resetView(engine: ViewerEngine): void {
  const { min, max } = worldBounds(engine.info);
  engine.viewport.fit(min, max);
  engine.setState({ camera: engine.cameraState() });
}

/** Frame the clip box (the visible data) from the current viewing direction. */
export function fitToData(engine: ViewerEngine): void {
  const { min, max } = worldBounds(engine.info, engine.state.clip);
  const cam = engine.viewport.camera;
  const dir = cam.position.clone().sub(engine.viewport.controls.target).normalize();
  const d = fitDistance(min, max, dir, cam.up, cam.fov, cam.aspect, 1.06);
  const c = min.map((v, i) => (v + max[i]) / 2) as Vec3;
  const pos = new THREE.Vector3(...c).addScaledVector(dir, d);
  engine.setState({ camera: { target: c, position: [pos.x, pos.y, pos.z] } });
}

/** World length per CSS pixel at the orbit target's depth. */
export function worldPerPixel(engine: ViewerEngine): number {
  const cam = engine.viewport.camera;
  const d = cam.position.distanceTo(engine.viewport.controls.target);
  const visible = 2 * d * Math.tan(THREE.MathUtils.degToRad(cam.fov) / 2);
  return visible / engine.viewport.heightPx;
}

/** A round bar length (1, 2 or 5 × 10^k world units) at most `maxPx` long. */
export function scaleBar(perPixel: number, maxPx = 120): { length: number; px: number } {
  const raw = perPixel * maxPx;
  if (!(raw > 0) || !Number.isFinite(raw)) return { length: 0, px: 0 };
  const p = 10 ** Math.floor(Math.log10(raw));
  const length = [5, 2, 1].map((m) => m * p).find((l) => l <= raw) ?? p;
  return { length, px: length / perPixel };
}

/** Screen direction (x right, y up) and depth of each world axis as the camera sees it. */
export function axesOnScreen(camera: THREE.Camera): { x: number; y: number; depth: number }[] {
  const inv = camera.quaternion.clone().invert();
  return [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ].map((a) => {
    const v = new THREE.Vector3(...a).applyQuaternion(inv);
    return { x: v.x, y: v.y, depth: v.z };
  });
}
