/** Everything that defines a view; serialized into the URL so a link reproduces it. */
import type { Vec3 } from "../../shared/types";
import type { ColormapName } from "../render/colormaps";
import { DEFAULT_RAMP, type OpacityPoint, type ValueScale } from "../render/transfer-function";
import type { RenderMode } from "../render/volume-layer";

/** 3D view only, the three slice panes only, or both (2×2). */
export type Layout = "3d" | "slices" | "2x2";

/** An extra field drawn over the main one, with its own colormap and opacity. */
export interface LayerSpec {
  field: string;
  colormap: ColormapName;
  /** 0..1 */
  opacity: number;
  visible: boolean;
}

export interface CameraState {
  position: Vec3;
  target: Vec3;
}

export interface ViewState {
  url?: string;
  field?: string;
  t: number;
  colormap: ColormapName;
  /** Colormap read from its other end. */
  invert: boolean;
  /** How values map into the window (see render/transfer-function.ts for log of values ≤ 0). */
  scale: ValueScale;
  /** Symlog's linear half-width in the field's units; undefined = a thousandth of the window. */
  linthresh?: number;
  /** Material colours edited by the user (categorical fields), over the dataset's palette. */
  palette?: Record<number, [number, number, number]>;
  mode: RenderMode;
  /** Display window in the field's units; undefined = the field's range. */
  window?: [number, number];
  ramp: OpacityPoint[];
  /** Isosurface value in the field's units; undefined = middle of the window. */
  iso?: number;
  /** Clip box in [0,1] of the domain. */
  clip: { min: Vec3; max: Vec3 };
  camera?: CameraState;
  /** Selected level-0 voxel. */
  selection?: Vec3;
  /** Material ids hidden (categorical fields). */
  hidden: number[];
  /** Refine while a brick's screen-space error exceeds this (px). */
  lodPx: number;
  layout: Layout;
  /** Level-0 voxel the three slice planes pass through; undefined = the grid's centre. */
  slice?: Vec3;
  /** Extra layers over the main field, bottom to top. */
  layers: LayerSpec[];
}

export const DEFAULT_VIEW: ViewState = {
  t: 0,
  colormap: "viridis",
  invert: false,
  scale: "linear",
  mode: "composite",
  ramp: DEFAULT_RAMP,
  clip: { min: [0, 0, 0], max: [1, 1, 1] },
  hidden: [],
  lodPx: 8,
  layout: "3d",
  layers: [],
};
