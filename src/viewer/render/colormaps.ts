/**
 * Colormaps, taken from maintained packages (no hand-typed stops):
 * d3-scale-chromatic carries matplotlib's perceptual maps (viridis, magma,
 * inferno, plasma as their published 256-entry tables; cividis) and the
 * ColorBrewer diverging schemes; the colormap package carries cmocean's maps
 * (under their current cmocean names) and the linear grey ramp. Each map is
 * sampled once into a 256-entry table.
 */
import createColormap from "colormap";
import {
  interpolateBrBG,
  interpolateCividis,
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolatePuOr,
  interpolateRdBu,
  interpolateSpectral,
  interpolateTurbo,
  interpolateViridis,
} from "d3-scale-chromatic";

type Rgb = [number, number, number];
type Source = { d3: (t: number) => string; reverse?: boolean } | { cm: string };

interface ColormapDef {
  group: "perceptual" | "cmocean" | "diverging" | "other";
  label: string;
  source: Source;
}

const DEFS = {
  viridis: { group: "perceptual", label: "viridis", source: { d3: interpolateViridis } },
  magma: { group: "perceptual", label: "magma", source: { d3: interpolateMagma } },
  inferno: { group: "perceptual", label: "inferno", source: { d3: interpolateInferno } },
  plasma: { group: "perceptual", label: "plasma", source: { d3: interpolatePlasma } },
  cividis: { group: "perceptual", label: "cividis", source: { d3: interpolateCividis } },
  thermal: { group: "cmocean", label: "thermal", source: { cm: "temperature" } },
  haline: { group: "cmocean", label: "haline", source: { cm: "salinity" } },
  dense: { group: "cmocean", label: "dense", source: { cm: "density" } },
  algae: { group: "cmocean", label: "algae", source: { cm: "chlorophyll" } },
  matter: { group: "cmocean", label: "matter", source: { cm: "cdom" } },
  deep: { group: "cmocean", label: "deep", source: { cm: "bathymetry" } },
  solar: { group: "cmocean", label: "solar", source: { cm: "par" } },
  oxy: { group: "cmocean", label: "oxy", source: { cm: "oxygen" } },
  turbid: { group: "cmocean", label: "turbid", source: { cm: "turbidity" } },
  speed: { group: "cmocean", label: "speed", source: { cm: "velocity-green" } },
  phase: { group: "cmocean", label: "phase (cyclic)", source: { cm: "phase" } },
  // Blue → red: ColorBrewer RdBu reversed (negative values blue).
  diverging: { group: "diverging", label: "blue–red (RdBu)", source: { d3: interpolateRdBu, reverse: true } },
  brbg: { group: "diverging", label: "brown–teal (BrBG)", source: { d3: interpolateBrBG } },
  puor: { group: "diverging", label: "orange–purple (PuOr)", source: { d3: interpolatePuOr } },
  spectral: { group: "diverging", label: "spectral", source: { d3: interpolateSpectral, reverse: true } },
  grey: { group: "other", label: "grey (linear)", source: { cm: "greys" } },
  turbo: { group: "other", label: "turbo", source: { d3: interpolateTurbo } },
} satisfies Record<string, ColormapDef>;

export type ColormapName = keyof typeof DEFS;
export const COLORMAPS = Object.keys(DEFS) as ColormapName[];
export const COLORMAP_GROUPS: { group: ColormapDef["group"]; title: string }[] = [
  { group: "perceptual", title: "perceptual (matplotlib)" },
  { group: "cmocean", title: "cmocean" },
  { group: "diverging", title: "diverging" },
  { group: "other", title: "other" },
];

export function colormapInfo(name: ColormapName): { group: ColormapDef["group"]; label: string } {
  const d: ColormapDef = DEFS[name];
  return { group: d.group, label: d.label };
}

export function isColormap(s: string): s is ColormapName {
  return Object.hasOwn(DEFS, s);
}

export const TABLE_SIZE = 256;
const tables = new Map<ColormapName, Uint8Array>();

function parseCss(c: string): Rgb {
  const hex = /^#([0-9a-f]{6})$/i.exec(c);
  if (hex) {
    const n = Number.parseInt(hex[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(c);
  if (!m) throw new Error(`unparsable colour ${c}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The map as TABLE_SIZE RGB triples (0..255). */
export function colormapTable(name: ColormapName): Uint8Array {
  let t = tables.get(name);
  if (t) return t;
  t = new Uint8Array(TABLE_SIZE * 3);
  const src: Source = (DEFS[name] as ColormapDef).source;
  if ("d3" in src) {
    for (let i = 0; i < TABLE_SIZE; i++) {
      const x = i / (TABLE_SIZE - 1);
      t.set(parseCss(src.d3(src.reverse ? 1 - x : x)), i * 3);
    }
  } else {
    const rows = createColormap({ colormap: src.cm, nshades: TABLE_SIZE, format: "rgba" });
    rows.forEach((r, i) => {
      t!.set([Math.round(r[0]), Math.round(r[1]), Math.round(r[2])], i * 3);
    });
  }
  tables.set(name, t);
  return t;
}

/** RGB (0..255) of a colormap at x in [0, 1] (`inverted` reads it from the other end). */
export function colormapAt(name: ColormapName, x: number, inverted = false): Rgb {
  const t = colormapTable(name);
  let u = Math.min(1, Math.max(0, Number.isNaN(x) ? 0 : x));
  if (inverted) u = 1 - u;
  const f = u * (TABLE_SIZE - 1);
  const i = Math.min(TABLE_SIZE - 2, Math.floor(f));
  const w = f - i;
  return [0, 1, 2].map((c) => Math.round(t[i * 3 + c] + (t[(i + 1) * 3 + c] - t[i * 3 + c]) * w)) as Rgb;
}

/** CSS linear-gradient of a map (legends, select previews). */
export function colormapGradient(name: ColormapName, inverted = false, direction = "to right"): string {
  const stops: string[] = [];
  for (let i = 0; i <= 16; i++) {
    const [r, g, b] = colormapAt(name, i / 16, inverted);
    stops.push(`rgb(${r},${g},${b}) ${(i / 16) * 100}%`);
  }
  return `linear-gradient(${direction}, ${stops.join(", ")})`;
}
