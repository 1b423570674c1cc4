import { describe, expect, it } from "vitest";
import { fromHalf, toHalf } from "../../../src/core/convert-js";
import { brickBlockMax, EMPTY, MACRO } from "../../../src/core/occupancy-js";
import { paletteFromMetadata } from "../../../src/shared/palette";
import { planAtlas } from "../../../src/viewer/render/brick-atlas";
import { colormapAt } from "../../../src/viewer/render/colormaps";
import { bakeTransferFunction, firstVisibleX, opacityAt } from "../../../src/viewer/render/transfer-function";
import { meshVoxels } from "../../../src/viewer/render/voxel-mesher";

describe("half floats", () => {
  it("round-trip within half precision", () => {
    for (const v of [0, 1, -1, 0.5, 0.1234, 2.71, 1000, 65504, 1e-5]) {
      expect(Math.abs(fromHalf(toHalf(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-3 + 1e-7);
    }
    expect(fromHalf(toHalf(1e6))).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("atlas plan", () => {
  it("fits the budget and the per-axis cap", () => {
    const p = planAtlas(64, 128 * 2 ** 20);
    expect(p.bytes).toBeLessThanOrEqual(128 * 2 ** 20);
    expect(Math.max(...p.texels)).toBeLessThanOrEqual(2048);
    expect(p.slots[0] * p.slots[1] * p.slots[2]).toBeGreaterThan(200);
    const huge = planAtlas(256, 2 ** 40);
    expect(Math.max(...huge.texels)).toBeLessThanOrEqual(2048);
  });
});

describe("transfer function", () => {
  it("interpolates the ramp and bakes colormap + opacity", () => {
    const ramp: [number, number][] = [
      [0, 0],
      [0.5, 0],
      [1, 1],
    ];
    expect(opacityAt(ramp, 0.75)).toBeCloseTo(0.5);
    expect(firstVisibleX(ramp)).toBeGreaterThan(0.5);
    expect(firstVisibleX(ramp)).toBeLessThan(0.52);
    const t = bakeTransferFunction("grey", ramp);
    expect([...t.slice(0, 4)]).toEqual([0, 0, 0, 0]);
    expect([...t.slice(255 * 4)]).toEqual([255, 255, 255, 255]);
    expect(colormapAt("viridis", 0)).toEqual([68, 1, 84]);
  });
});

describe("occupancy", () => {
  it("block maxima include a one-voxel margin", () => {
    const d = 16;
    const data = new Float32Array(d * d * d);
    data[8 + d * (0 + d * 0)] = 7; // x=8: first voxel of block 1, margin of block 0
    const bm = brickBlockMax(data, [d, d, d], 0);
    expect(bm.n).toEqual([2, 2, 2].map((x) => (x * 8) / MACRO));
    expect(bm.max[0]).toBe(7);
    expect(bm.max[1]).toBe(7);
    expect(bm.max[2]).toBe(0); // y block 1 does not reach y=0
    const coarse = brickBlockMax(data, [d, d, d], 1);
    expect(coarse.n).toEqual([4, 4, 4]);
    expect(coarse.max.some((v) => v === EMPTY)).toBe(false);
  });
});

describe("voxel mesher", () => {
  it("emits only faces between solid and empty, and caps clipped cuts", () => {
    const data = new Uint8Array(8).fill(3); // 2x2x2 solid block
    const all = meshVoxels({
      data,
      dims: [2, 2, 2],
      origin: [0, 0, 0],
      scale: 1,
      fill: 0,
      hidden: [],
      palette: {},
    });
    expect(all.faces).toBe(24);
    expect(all.indices.length).toBe(24 * 6);
    const hidden = meshVoxels({
      data,
      dims: [2, 2, 2],
      origin: [0, 0, 0],
      scale: 1,
      fill: 0,
      hidden: [3],
      palette: {},
    });
    expect(hidden.faces).toBe(0);
    const clipped = meshVoxels({
      data,
      dims: [2, 2, 2],
      origin: [0, 0, 0],
      scale: 1,
      fill: 0,
      hidden: [],
      palette: { 3: [1, 2, 3] },
      clip: { min: [0, 0, 0], max: [1, 2, 2] },
    });
    expect(clipped.faces).toBe(16); // a 1x2x2 slab
    expect([...clipped.colors.slice(0, 3)]).toEqual([1, 2, 3]);
    const coarse = meshVoxels({
      data: new Uint8Array([1]),
      dims: [1, 1, 1],
      origin: [8, 0, 0],
      scale: 4,
      fill: 0,
      hidden: [],
      palette: {},
    });
    expect(Math.max(...coarse.positions.filter((_, i) => i % 3 === 0))).toBe(12);
  });
});

describe("palette", () => {
  it("reads the shapes a packer may write, as text", () => {
    const p = paletteFromMetadata({
      palette: [
        { id: 2, name: "<b>soil</b>", color: [96, 128, 56] },
        { value: 1, name: "water", color: "#306ec8" },
      ],
    });
    expect(p).toEqual([
      { value: 1, name: "water", color: [48, 110, 200] },
      { value: 2, name: "<b>soil</b>", color: [96, 128, 56] },
    ]);
    expect(paletteFromMetadata({ materials: { "4": "#ff0000" } })).toEqual([
      { value: 4, name: "material 4", color: [255, 0, 0] },
    ]);
    expect(paletteFromMetadata({})).toEqual([]);
  });
});
