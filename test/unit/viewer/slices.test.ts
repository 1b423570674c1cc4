import { describe, expect, it } from "vitest";
import { parseViewState, serializeViewState } from "../../../src/viewer/app/url-state";
import { DEFAULT_VIEW } from "../../../src/viewer/app/view-state";
import { colormapAt } from "../../../src/viewer/render/colormaps";
import { colourSlice, fillBackground, SLICE_BACKGROUND } from "../../../src/viewer/slices/slice-colour";
import { niceTicks, PANES, sliceBox, sliceBricks } from "../../../src/viewer/slices/slice-geometry";
import { parseLayers, serializeLayers } from "../../../src/viewer/slices/slice-url";

describe("slice geometry", () => {
  it("a slice is a 1-voxel box crossing one brick layer", () => {
    const info = { dims: [256, 200, 130] as [number, number, number], brickSize: 64 };
    const xz = PANES[1];
    expect(sliceBox(info.dims, xz, 130)).toEqual({ min: [0, 130, 0], max: [256, 131, 130] });
    const bricks = sliceBricks(info, xz, 130);
    expect(bricks).toHaveLength(4 * 3);
    expect(new Set(bricks.map((b) => b[1]))).toEqual(new Set([2]));
    expect(sliceBricks(info, PANES[0], 129).every((b) => b[2] === 2)).toBe(true);
  });

  it("ticks are round and cover the range", () => {
    expect(niceTicks(0, 127, 4)).toEqual([0, 50, 100]);
    expect(niceTicks(-0.5, 0.5, 4)).toEqual([-0.5, 0, 0.5]);
  });
});

describe("layers and layout in the link", () => {
  it("round-trips, dropping what it cannot read", () => {
    const layers = [
      { field: "u:x", colormap: "magma" as const, opacity: 0.5, visible: true },
      { field: "v", colormap: "grey" as const, opacity: 1, visible: false },
    ];
    expect(parseLayers(serializeLayers(layers))).toEqual(layers);
    expect(parseLayers("v:nope:1,w:viridis:x,u:viridis:0.25:maybe,a:magma:7")).toEqual([
      { field: "a", colormap: "magma", opacity: 1, visible: true },
    ]);
    const v = {
      ...structuredClone(DEFAULT_VIEW),
      layout: "2x2" as const,
      slice: [1, 2, 3] as [number, number, number],
      layers,
    };
    const back = parseViewState(serializeViewState(v));
    expect(back.layout).toBe("2x2");
    expect(back.slice).toEqual([1, 2, 3]);
    expect(back.layers).toEqual(layers);
    expect(parseViewState("layout=4d&slice=1,-2,3").layout).toBe("3d");
    expect(parseViewState("slice=1,-2,3").slice).toBeUndefined();
  });
});

describe("slice colours", () => {
  it("maps through the colormap with v up, skips fill, blends layers", () => {
    const out = new Uint8ClampedArray(2 * 2 * 4);
    fillBackground(out);
    // values[iu + 2 * iv]: bottom row (iv = 0) is 0, 1; top row is fill (−1), 0.5.
    const values = new Float32Array([0, 1, -1, 0.5]);
    colourSlice(values, 2, 2, { kind: "scalar", colormap: "viridis", window: [0, 1], fill: -1 }, out);
    const px = (i: number) => Array.from(out.slice(i * 4, i * 4 + 3));
    expect(px(2)).toEqual(colormapAt("viridis", 0));
    expect(px(3)).toEqual(colormapAt("viridis", 1));
    expect(px(0)).toEqual(SLICE_BACKGROUND);
    const mid = colormapAt("viridis", 0.5);
    for (const [i, c] of px(1).entries()) expect(Math.abs(c - mid[i])).toBeLessThanOrEqual(1);
    const over = new Uint16Array([3, 3, 3, 3]);
    colourSlice(
      over,
      2,
      2,
      { kind: "categorical", colour: () => [200, 0, 100], hidden: [], fill: null },
      out,
      0.5,
    );
    const lo = colormapAt("viridis", 0);
    for (const [i, c] of px(2).entries())
      expect(Math.abs(c - (lo[i] + [200, 0, 100][i]) / 2)).toBeLessThanOrEqual(1);
  });
});
