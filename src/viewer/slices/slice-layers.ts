/**
 * What the slice panes draw, bottom to top: the main field with the view's
 * colormap and window (and hidden materials), then each visible extra layer
 * with its own colormap and opacity over its field's range.
 */
import { paletteFromMetadata } from "../../shared/palette";
import type { TypedArray } from "../../shared/types";
import type { ViewState } from "../app/view-state";
import type { ViewerField, ViewerInfo } from "../data/viewer-types";
import { defaultMaterialColor } from "../render/voxel-mesher";
import type { SliceStyle } from "./slice-colour";

export interface DrawLayer {
  field: string;
  opacity: number;
  /** The style; `window` undefined = the slice's own value range. */
  style: (values: TypedArray) => SliceStyle;
}

export interface LayerSource {
  info: ViewerInfo;
  state: ViewState;
  field: ViewerField;
  fieldRange(name?: string): [number, number] | undefined;
}

export function drawLayers(e: LayerSource): DrawLayer[] {
  const st = e.state;
  const out: DrawLayer[] = [styled(e, e.field, st.colormap, st.window, st.hidden, 1)];
  for (const l of st.layers) {
    const f = e.info.fields.find((x) => x.name === l.field);
    if (f && l.visible) out.push(styled(e, f, l.colormap, undefined, [], l.opacity));
  }
  return out;
}

function styled(
  e: LayerSource,
  f: ViewerField,
  colormap: ViewState["colormap"],
  window: [number, number] | undefined,
  hidden: number[],
  opacity: number,
): DrawLayer {
  if (f.kind === "categorical") {
    const palette = new Map(paletteFromMetadata(e.info.metadata, f.name).map((m) => [m.value, m.color]));
    const colour = (v: number) => palette.get(v) ?? defaultMaterialColor(v);
    return { field: f.name, opacity, style: () => ({ kind: "categorical", colour, hidden, fill: f.fill }) };
  }
  return {
    field: f.name,
    opacity,
    style: (values) => ({
      kind: "scalar",
      colormap,
      window: window ?? fieldWindow(e, f) ?? valueRange(values, f.fill),
      fill: f.fill,
    }),
  };
}

/** The window the 3D view uses for a field: its normalization range, else the header's range. */
export function fieldWindow(e: LayerSource, f: ViewerField): [number, number] | undefined {
  const r = e.fieldRange(f.name) ?? f.range;
  return r && Number.isFinite(r[0]) && Number.isFinite(r[1])
    ? [r[0], r[1] > r[0] ? r[1] : r[0] + 1]
    : undefined;
}

function valueRange(values: TypedArray, fill: number | null): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v) || v === fill) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi > lo ? hi : lo + 1] : [0, 1];
}
