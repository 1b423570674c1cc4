/**
 * ViewState ⇄ URL query. Compact, human-readable keys; anything unparsable
 * falls back to the default so an edited link still opens.
 */
import type { Vec3 } from "../../shared/types";
import { isColormap } from "../render/colormaps";
import { type OpacityPoint, VALUE_SCALES, type ValueScale } from "../render/transfer-function";
import type { RenderMode } from "../render/volume-layer";
import { parseLayers, parseLayout, serializeLayers } from "../slices/slice-url";
import { DEFAULT_VIEW, type ViewState } from "./view-state";

const MODES: RenderMode[] = ["composite", "mip", "iso"];

const num = (s: string | null): number | undefined => {
  if (s === null || s.trim() === "") return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

const nums = (s: string | null, count: number): number[] | undefined => {
  if (!s) return undefined;
  const parts = s.split(",").map(Number);
  return parts.length === count && parts.every(Number.isFinite) ? parts : undefined;
};

const fmt = (n: number) => String(Number(n.toPrecision(6)));

export function parseViewState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const v: ViewState = structuredClone(DEFAULT_VIEW);
  v.url = q.get("url") ?? undefined;
  v.field = q.get("field") ?? undefined;
  v.t = Math.max(0, Math.floor(num(q.get("t")) ?? 0));
  const cm = q.get("cm");
  if (cm && isColormap(cm)) v.colormap = cm;
  v.invert = q.get("inv") === "1";
  const scale = q.get("scale") as ValueScale | null;
  if (scale && VALUE_SCALES.includes(scale)) v.scale = scale;
  const lt = num(q.get("lt"));
  if (lt !== undefined && lt > 0) v.linthresh = lt;
  const pal = q.get("pal");
  if (pal) {
    const entries: [number, [number, number, number]][] = [];
    for (const part of pal.split(",")) {
      const m = /^(-?\d+(?:\.\d+)?):([0-9a-f]{6})$/i.exec(part);
      if (!m) continue;
      const n = Number.parseInt(m[2], 16);
      entries.push([Number(m[1]), [(n >> 16) & 255, (n >> 8) & 255, n & 255]]);
    }
    if (entries.length) v.palette = Object.fromEntries(entries);
  }
  const mode = q.get("mode") as RenderMode | null;
  if (mode && MODES.includes(mode)) v.mode = mode;
  const w = nums(q.get("win"), 2);
  if (w && w[1] > w[0]) v.window = [w[0], w[1]];
  const ramp = q.get("ramp");
  if (ramp) {
    const pts = ramp.split(";").map((p) => p.split(":").map(Number));
    if (pts.length >= 1 && pts.every((p) => p.length === 2 && p.every(Number.isFinite)))
      v.ramp = pts.map(
        ([x, a]) => [Math.min(1, Math.max(0, x)), Math.min(1, Math.max(0, a))] as OpacityPoint,
      );
  }
  v.iso = num(q.get("iso"));
  const clip = nums(q.get("clip"), 6);
  if (clip?.every((c) => c >= 0 && c <= 1) && clip[0] < clip[3] && clip[1] < clip[4] && clip[2] < clip[5])
    v.clip = { min: clip.slice(0, 3) as Vec3, max: clip.slice(3) as Vec3 };
  const cam = nums(q.get("cam"), 6);
  if (cam) v.camera = { position: cam.slice(0, 3) as Vec3, target: cam.slice(3) as Vec3 };
  const sel = nums(q.get("sel"), 3);
  if (sel?.every((s) => Number.isInteger(s) && s >= 0)) v.selection = sel as Vec3;
  const hide = q.get("hide");
  if (hide) v.hidden = hide.split(",").map(Number).filter(Number.isFinite);
  const lod = num(q.get("lod"));
  if (lod !== undefined && lod > 0) v.lodPx = lod;
  v.layout = parseLayout(q.get("layout"));
  const slice = nums(q.get("slice"), 3);
  if (slice?.every((s) => Number.isInteger(s) && s >= 0)) v.slice = slice as Vec3;
  v.layers = parseLayers(q.get("layers"));
  return v;
}

export function serializeViewState(v: ViewState): string {
  const q = new URLSearchParams();
  if (v.url) q.set("url", v.url);
  if (v.field) q.set("field", v.field);
  q.set("t", String(v.t));
  q.set("cm", v.colormap);
  if (v.invert) q.set("inv", "1");
  if (v.scale !== "linear") q.set("scale", v.scale);
  if (v.linthresh !== undefined) q.set("lt", fmt(v.linthresh));
  if (v.palette && Object.keys(v.palette).length)
    q.set(
      "pal",
      Object.entries(v.palette)
        .map(([k, c]) => `${k}:${c.map((x) => x.toString(16).padStart(2, "0")).join("")}`)
        .join(","),
    );
  q.set("mode", v.mode);
  if (v.window) q.set("win", v.window.map(fmt).join(","));
  q.set("ramp", v.ramp.map(([x, a]) => `${fmt(x)}:${fmt(a)}`).join(";"));
  if (v.iso !== undefined) q.set("iso", fmt(v.iso));
  const c = v.clip;
  if (c.min.some((x) => x !== 0) || c.max.some((x) => x !== 1))
    q.set("clip", [...c.min, ...c.max].map(fmt).join(","));
  if (v.camera) q.set("cam", [...v.camera.position, ...v.camera.target].map(fmt).join(","));
  if (v.selection) q.set("sel", v.selection.join(","));
  if (v.hidden.length) q.set("hide", v.hidden.join(","));
  if (v.lodPx !== DEFAULT_VIEW.lodPx) q.set("lod", fmt(v.lodPx));
  if (v.layout !== DEFAULT_VIEW.layout) q.set("layout", v.layout);
  if (v.slice) q.set("slice", v.slice.join(","));
  if (v.layers.length) q.set("layers", serializeLayers(v.layers));
  return q.toString();
}
