/**
 * URL spelling of the layout and the layers: `layout=3d|slices|2x2`,
 * `layers=field:colormap:opacity[:off],...` (bottom to top). Anything
 * unparsable is dropped, so an edited link still opens.
 */
import type { LayerSpec, Layout } from "../app/view-state";
import { isColormap } from "../render/colormaps";

export const LAYOUTS: Layout[] = ["3d", "slices", "2x2"];

export function parseLayout(s: string | null): Layout {
  return s && (LAYOUTS as string[]).includes(s) ? (s as Layout) : "3d";
}

/** Field names are percent-encoded inside the list (they may hold `:` or `,`). */
export function parseLayers(s: string | null): LayerSpec[] {
  if (!s) return [];
  const out: LayerSpec[] = [];
  for (const part of s.split(",")) {
    const [f, cm, op, vis] = part.split(":");
    let field: string;
    try {
      field = decodeURIComponent(f ?? "");
    } catch {
      continue;
    }
    const opacity = Number(op ?? "1");
    if (!field || !cm || !isColormap(cm) || !Number.isFinite(opacity)) continue;
    if (vis !== undefined && vis !== "off") continue;
    out.push({ field, colormap: cm, opacity: Math.min(1, Math.max(0, opacity)), visible: vis !== "off" });
  }
  return out;
}

export function serializeLayers(layers: LayerSpec[]): string {
  return layers
    .map(
      (l) =>
        `${encodeURIComponent(l.field)}:${l.colormap}:${Number(l.opacity.toPrecision(3))}${l.visible ? "" : ":off"}`,
    )
    .join(",");
}
