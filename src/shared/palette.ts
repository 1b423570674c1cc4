/**
 * Material palette from dataset metadata, accepting the shapes a packer might
 * write: {"3": "#aabbcc"}, {"3": {"name": "rock", "color": "#aabbcc"}},
 * [{"value": 3, "name": "rock", "color": "#aabbcc" | [r,g,b]}], optionally
 * under metadata.palette or metadata.materials. Names are plain text.
 */
export interface Material {
  value: number;
  name: string;
  color: [number, number, number];
}

function parseColor(c: unknown): [number, number, number] | undefined {
  if (Array.isArray(c) && c.length >= 3 && c.every((x) => typeof x === "number")) {
    const scale = c.slice(0, 3).every((x) => x <= 1) ? 255 : 1;
    return c.slice(0, 3).map((x) => Math.round(Math.min(255, Math.max(0, x * scale)))) as [
      number,
      number,
      number,
    ];
  }
  if (typeof c === "string") {
    const m = /^#?([0-9a-f]{6})$/i.exec(c.trim());
    if (m) {
      const n = Number.parseInt(m[1], 16);
      return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    }
  }
  return undefined;
}

export function paletteFromMetadata(meta: Record<string, unknown>, field?: string): Material[] {
  const fieldMeta = field ? (meta[field] as Record<string, unknown> | undefined) : undefined;
  const raw =
    (fieldMeta && typeof fieldMeta === "object" ? (fieldMeta.palette ?? fieldMeta.materials) : undefined) ??
    meta.palette ??
    meta.materials;
  const out: Material[] = [];
  const add = (value: unknown, v: unknown) => {
    const n = Number(value);
    if (!Number.isFinite(n)) return;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const color = parseColor(o.color ?? o.rgb);
      out.push({
        value: n,
        name: typeof o.name === "string" ? o.name : `material ${n}`,
        color: color ?? [160, 160, 160],
      });
    } else {
      const color = parseColor(v);
      if (color) out.push({ value: n, name: `material ${n}`, color });
      else if (typeof v === "string") out.push({ value: n, name: v, color: [160, 160, 160] });
    }
  };
  if (Array.isArray(raw)) {
    for (const item of raw)
      if (item && typeof item === "object")
        add((item as { value?: unknown; id?: unknown }).value ?? (item as { id?: unknown }).id, item);
  } else if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw)) add(k, v);
  }
  return out.sort((a, b) => a.value - b.value);
}
