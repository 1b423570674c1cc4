/**
 * What the viewer draws over the data: the domain's outline, the picked
 * voxel's highlight, and feature results (level-0 voxel boxes of the shown
 * timestep, tracks as polylines through their centroids).
 */
import * as THREE from "three";
import type { Vec3 } from "../../shared/types";
import type { ViewerInfo } from "../data/viewer-types";

/** Feature overlay: level-0 voxel boxes (with their timestep) and tracks through centroids. */
export interface FeatureOverlay {
  boxes: { min: Vec3; max: Vec3; timestep?: number }[];
  focus?: number;
  tracks?: { points: Vec3[]; timesteps: number[] }[];
}

/** Boxes drawn at most (a result may hold many more; the list says so). */
const MAX_BOXES = 2000;

export class Overlays {
  readonly group = new THREE.Group();
  private readonly domainBox: THREE.LineSegments;
  private readonly highlight: THREE.LineSegments;
  private readonly features = new THREE.Group();
  private overlay?: FeatureOverlay;
  private overlayT = -1;

  constructor(private readonly info: ViewerInfo) {
    const extent = info.dims.map((n, i) => n * info.spacing[i]) as Vec3;
    const center = extent.map((e, i) => info.origin[i] + e / 2) as Vec3;
    const edges = new THREE.EdgesGeometry(new THREE.BoxGeometry(...extent));
    this.domainBox = new THREE.LineSegments(edges, new THREE.LineBasicMaterial({ color: 0x5a6270 }));
    this.domainBox.position.set(...center);
    this.highlight = new THREE.LineSegments(
      new THREE.EdgesGeometry(new THREE.BoxGeometry(1, 1, 1)),
      new THREE.LineBasicMaterial({ color: 0xffe14d, depthTest: false, transparent: true }),
    );
    this.highlight.renderOrder = 10;
    this.highlight.visible = false;
    this.group.add(this.domainBox, this.highlight, this.features);
  }

  /** Outline a level-0 voxel box (min corner, size in voxels); undefined hides it. */
  showHighlight(min: Vec3 | undefined, size?: Vec3): void {
    if (!min || !size) {
      this.highlight.visible = false;
      return;
    }
    const { origin, spacing } = this.info;
    this.highlight.visible = true;
    this.highlight.scale.set(size[0] * spacing[0], size[1] * spacing[1], size[2] * spacing[2]);
    this.highlight.position.set(
      ...([0, 1, 2].map((i) => origin[i] + (min[i] + size[i] / 2) * spacing[i]) as Vec3),
    );
  }

  setFeatures(o: FeatureOverlay, t: number): void {
    this.overlay = o;
    this.drawFeatures(t);
  }

  /** The shown timestep changed: redraw its boxes. Returns whether anything changed. */
  onTimestep(t: number): boolean {
    if (!this.overlay || this.overlayT === t) return false;
    this.drawFeatures(t);
    return true;
  }

  /** Boxes of the shown timestep only (results may span many), plus the focused one. */
  private drawFeatures(t: number): void {
    const o = this.overlay ?? { boxes: [] };
    this.overlayT = t;
    for (const c of this.features.children) (c as THREE.Mesh).geometry?.dispose();
    this.features.clear();
    const { origin, spacing } = this.info;
    const world = (p: Vec3) => [0, 1, 2].map((i) => origin[i] + p[i] * spacing[i]) as Vec3;
    const unit = new THREE.EdgesGeometry(new THREE.BoxGeometry(1, 1, 1));
    const mat = new THREE.LineBasicMaterial({ color: 0x66d9ef });
    const hot = new THREE.LineBasicMaterial({ color: 0xff7a45, depthTest: false, transparent: true });
    o.boxes.forEach((b, i) => {
      if (i !== o.focus && b.timestep !== undefined && b.timestep !== t) return;
      if (this.features.children.length > MAX_BOXES) return;
      const l = new THREE.LineSegments(unit, i === o.focus ? hot : mat);
      if (i === o.focus) l.renderOrder = 9;
      const size = [0, 1, 2].map((k) => Math.max(1e-6, (b.max[k] - b.min[k]) * spacing[k]));
      l.scale.set(size[0], size[1], size[2]);
      l.position.set(...world([0, 1, 2].map((k) => (b.min[k] + b.max[k]) / 2) as Vec3));
      this.features.add(l);
    });
    const line = new THREE.LineBasicMaterial({ color: 0xf4d35e, depthTest: false, transparent: true });
    for (const tr of o.tracks ?? []) {
      if (!tr.points.length) continue;
      const pts = tr.points.map((p) => new THREE.Vector3(...world(p)));
      const l = new THREE.Line(new THREE.BufferGeometry().setFromPoints(pts), line);
      l.renderOrder = 9;
      this.features.add(l);
      const dots = new THREE.Points(
        new THREE.BufferGeometry().setFromPoints(pts),
        new THREE.PointsMaterial({ color: 0xf4d35e, size: 4, sizeAttenuation: false, depthTest: false }),
      );
      dots.renderOrder = 9;
      this.features.add(dots);
    }
  }
}
