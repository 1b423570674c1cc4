/**
 * Slice values → RGBA pixels: scalars through the field's colormap over its
 * display window, categorical ids through the material palette (hidden
 * materials and the fill value show the background). Rows are flipped so the
 * pane's v axis points up. Layers blend over what is already in `out`.
 */
import type { TypedArray } from "../../shared/types";
import { type ColormapName, colormapAt } from "../render/colormaps";

export type SliceStyle =
  | { kind: "scalar"; colormap: ColormapName; window: [number, number]; fill: number | null }
  | {
      kind: "categorical";
      /** Colour of a material id (its palette entry, else the 3D view's default). */
      colour: (v: number) => [number, number, number];
      hidden: number[];
      fill: number | null;
    };

/** The background of empty pixels (the 3D view's, 0x14171c). */
export const SLICE_BACKGROUND: [number, number, number] = [0x14, 0x17, 0x1c];

export function fillBackground(out: Uint8ClampedArray): void {
  for (let i = 0; i < out.length; i += 4) {
    out[i] = SLICE_BACKGROUND[0];
    out[i + 1] = SLICE_BACKGROUND[1];
    out[i + 2] = SLICE_BACKGROUND[2];
    out[i + 3] = 255;
  }
}

/** Colour of one scalar value, or undefined for no data (NaN, fill). */
export function scalarColour(
  v: number,
  colormap: ColormapName,
  window: [number, number],
  fill: number | null,
): [number, number, number] | undefined {
  if (Number.isNaN(v) || (fill !== null && v === fill)) return undefined;
  const span = window[1] - window[0];
  return colormapAt(colormap, span > 0 ? (v - window[0]) / span : 0.5);
}

/** Blend `values` (width × height, v up) over `out` with `opacity`. */
export function colourSlice(
  values: TypedArray,
  width: number,
  height: number,
  style: SliceStyle,
  out: Uint8ClampedArray,
  opacity = 1,
): void {
  // 1024 colormap entries: finer than a byte per channel can show.
  const lut = style.kind === "scalar" ? lutOf(style.colormap) : undefined;
  const hidden = style.kind === "categorical" ? new Set(style.hidden) : undefined;
  const a = Math.min(1, Math.max(0, opacity));
  for (let iv = 0; iv < height; iv++) {
    const row = (height - 1 - iv) * width;
    for (let iu = 0; iu < width; iu++) {
      const v = values[iu + width * iv] as number;
      let c: ArrayLike<number> | undefined;
      if (style.kind === "scalar") {
        if (!(Number.isNaN(v) || (style.fill !== null && v === style.fill))) {
          const span = style.window[1] - style.window[0];
          const x = span > 0 ? Math.min(1, Math.max(0, (v - style.window[0]) / span)) : 0.5;
          const k = Math.round(x * 1023) * 3;
          c = lut!.subarray(k, k + 3);
        }
      } else if (!(style.fill !== null && v === style.fill) && !hidden!.has(v)) {
        c = style.colour(v);
      }
      if (!c) continue;
      const p = (row + iu) * 4;
      out[p] = out[p] + (c[0] - out[p]) * a;
      out[p + 1] = out[p + 1] + (c[1] - out[p + 1]) * a;
      out[p + 2] = out[p + 2] + (c[2] - out[p + 2]) * a;
      out[p + 3] = 255;
    }
  }
}

const luts = new Map<ColormapName, Uint8Array>();

function lutOf(name: ColormapName): Uint8Array {
  let l = luts.get(name);
  if (!l) {
    l = new Uint8Array(1024 * 3);
    for (let i = 0; i < 1024; i++) l.set(colormapAt(name, i / 1023), i * 3);
    luts.set(name, l);
  }
  return l;
}
