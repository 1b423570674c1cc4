/**
 * Colormaps as a few sampled stops, linearly interpolated. Viridis and magma
 * stops are sampled from the published matplotlib maps (CC0).
 */
export type ColormapName = "viridis" | "magma" | "grey" | "diverging";
export const COLORMAPS: ColormapName[] = ["viridis", "magma", "grey", "diverging"];

const STOPS: Record<ColormapName, [number, number, number][]> = {
  viridis: [
    [68, 1, 84],
    [72, 40, 120],
    [62, 74, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [109, 205, 89],
    [180, 222, 44],
    [253, 231, 37],
  ],
  magma: [
    [0, 0, 4],
    [28, 16, 68],
    [79, 18, 123],
    [129, 37, 129],
    [181, 54, 122],
    [229, 80, 100],
    [251, 135, 97],
    [254, 194, 135],
    [252, 253, 191],
  ],
  grey: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  // Blue → white → red (cool-warm style) for signed quantities.
  diverging: [
    [59, 76, 192],
    [124, 159, 249],
    [192, 212, 245],
    [242, 242, 242],
    [245, 196, 173],
    [238, 132, 104],
    [180, 4, 38],
  ],
};

export function isColormap(s: string): s is ColormapName {
  return (COLORMAPS as string[]).includes(s);
}

/** RGB (0..255) of a colormap at x in [0, 1]. */
export function colormapAt(name: ColormapName, x: number): [number, number, number] {
  const s = STOPS[name];
  const f = Math.min(1, Math.max(0, x)) * (s.length - 1);
  const i = Math.min(s.length - 2, Math.floor(f));
  const u = f - i;
  return [0, 1, 2].map((c) => Math.round(s[i][c] + (s[i + 1][c] - s[i][c]) * u)) as [number, number, number];
}
