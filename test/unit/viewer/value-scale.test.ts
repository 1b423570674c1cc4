import { describe, expect, it } from "vitest";
import { parseViewState, serializeViewState } from "../../../src/viewer/app/url-state";
import { DEFAULT_VIEW } from "../../../src/viewer/app/view-state";
import { COLORMAPS, colormapAt, colormapTable } from "../../../src/viewer/render/colormaps";
import {
  bakeTransferFunction,
  effectiveWindow,
  LOG_DECADES,
  type ScaleSpec,
  scaleTicks,
  windowPosition,
  windowValue,
} from "../../../src/viewer/render/transfer-function";
import { displayColumns, histogramLevel } from "../../../src/viewer/ui/histogram";
import { shiftWindow } from "../../../src/viewer/ui/WindowLevelBar";

describe("value scales", () => {
  it("position and value are inverse for every scale", () => {
    const specs: ScaleSpec[] = [
      { scale: "linear", window: [-3, 7] },
      { scale: "log", window: [0.01, 1000] },
      { scale: "symlog", window: [-500, 2000], linthresh: 0.5 },
    ];
    for (const s of specs)
      for (const x of [0, 0.1, 0.37, 0.5, 0.9, 1])
        expect(windowPosition(windowValue(x, s), s)).toBeCloseTo(x, 9);
  });

  it("log puts decades evenly and treats values ≤ 0 as below the window", () => {
    const s: ScaleSpec = { scale: "log", window: [1, 1e4] };
    expect(windowPosition(10, s)).toBeCloseTo(0.25, 12);
    expect(windowPosition(100, s)).toBeCloseTo(0.5, 12);
    expect(windowPosition(0, s)).toBe(Number.NEGATIVE_INFINITY);
    expect(windowPosition(-5, s)).toBe(Number.NEGATIVE_INFINITY);
    // A window starting at or below zero spans LOG_DECADES decades below its top.
    expect(effectiveWindow({ scale: "log", window: [-2, 50] })).toEqual([50 / 10 ** LOG_DECADES, 50]);
    expect(windowPosition(50, { scale: "log", window: [0, 50] })).toBeCloseTo(1, 12);
    expect(windowPosition(5, { scale: "log", window: [0, 50] })).toBeCloseTo(1 - 1 / LOG_DECADES, 12);
  });

  it("symlog is odd, linear near zero and logarithmic far out", () => {
    const s: ScaleSpec = { scale: "symlog", window: [-1000, 1000], linthresh: 1 };
    expect(windowPosition(0, s)).toBeCloseTo(0.5, 12);
    expect(windowPosition(10, s) - 0.5).toBeCloseTo(0.5 - windowPosition(-10, s), 12);
    // Far from zero one decade is (almost) a fixed step.
    const d1 = windowPosition(1000, s) - windowPosition(100, s);
    const d2 = windowPosition(100, s) - windowPosition(10, s);
    expect(Math.abs(d1 - d2)).toBeLessThan(0.02);
  });

  it("ticks lie inside the window: round numbers, decades, or symmetric decades", () => {
    expect(scaleTicks({ scale: "linear", window: [0, 1] })).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(scaleTicks({ scale: "log", window: [1e-3, 1e3] })).toEqual([1e-3, 1e-2, 0.1, 1, 10, 100, 1000]);
    const sym = scaleTicks({ scale: "symlog", window: [-100, 100], linthresh: 1 });
    expect(sym).toContain(0);
    expect(sym).toContain(100);
    expect(sym).toContain(-100);
    for (const s of [
      { scale: "linear", window: [0.13, 0.71] },
      { scale: "log", window: [3, 4000] },
    ] as ScaleSpec[])
      for (const t of scaleTicks(s)) expect(t >= s.window[0] && t <= s.window[1]).toBe(true);
  });

  it("window/level shifts the centre and the width", () => {
    expect(shiftWindow([2, 4], [0, 10], 0.1, 0)).toEqual([3, 5]);
    const w = shiftWindow([2, 4], [0, 10], 0, 0.2);
    expect(w[0]).toBeCloseTo(1, 12);
    expect(w[1]).toBeCloseTo(5, 12);
    const narrow = shiftWindow([2, 4], [0, 10], 0, -1);
    expect(narrow[1] - narrow[0]).toBeGreaterThan(0);
  });
});

describe("colormaps", () => {
  it("come from the package tables: matplotlib viridis ends, every map has 256 distinct-enough entries", () => {
    expect(colormapAt("viridis", 0)).toEqual([68, 1, 84]);
    expect(colormapAt("viridis", 1)).toEqual([253, 231, 37]);
    expect(colormapAt("magma", 0)).toEqual([0, 0, 4]);
    expect(colormapAt("viridis", 0, true)).toEqual([253, 231, 37]);
    expect(COLORMAPS.length).toBeGreaterThanOrEqual(20);
    for (const name of COLORMAPS) {
      const t = colormapTable(name);
      expect(t.length).toBe(256 * 3);
      // Cyclic maps end where they start; every other map runs between two different colours.
      if (name !== "phase") expect(t.slice(0, 3).join(), name).not.toBe(t.slice(-3).join());
      else expect(t.slice(0, 3).join()).not.toBe(t.slice(128 * 3, 129 * 3).join());
    }
  });

  it("inverting reverses the baked table", () => {
    const ramp: [number, number][] = [
      [0, 1],
      [1, 1],
    ];
    const a = bakeTransferFunction("inferno", ramp);
    const b = bakeTransferFunction("inferno", ramp, true);
    for (let i = 0; i < 256; i++)
      for (let c = 0; c < 3; c++)
        expect(Math.abs(a[i * 4 + c] - b[(255 - i) * 4 + c])).toBeLessThanOrEqual(1);
  });
});

describe("histogram columns", () => {
  it("regroups linear bins by display position under log", () => {
    const histogram = new Uint32Array(1000);
    histogram[0] = 7; // [0, 1): below a log window starting at 1
    histogram[5] = 3; // [5, 6)
    histogram[500] = 11; // [500, 501)
    const r = { histogram, range: [0, 1000] as [number, number], count: 21, below: 0, above: 0, nanCount: 0 };
    const cols = displayColumns(r, { scale: "log", window: [1, 1000] }, 3);
    expect(Array.from(cols)).toEqual([3, 0, 11]);
    expect(Array.from(displayColumns(r, { scale: "linear", window: [0, 1000] }, 2))).toEqual([10, 11]);
  });

  it("reads at most 8 bricks", () => {
    const lv = (level: number, n: number) => ({
      level,
      dims: [n * 64, n * 64, n * 64] as [number, number, number],
      bricks: [n, n, n] as [number, number, number],
    });
    const info = { levels: [lv(0, 32), lv(1, 16), lv(2, 8), lv(3, 4), lv(4, 2), lv(5, 1)] };
    expect(histogramLevel(info as never)).toBe(4);
  });
});

describe("view state in the link", () => {
  it("keeps scale, inversion, symlog threshold and edited material colours", () => {
    const v = {
      ...structuredClone(DEFAULT_VIEW),
      scale: "symlog" as const,
      invert: true,
      linthresh: 0.25,
      palette: { 3: [255, 0, 16] as [number, number, number] },
    };
    const back = parseViewState(serializeViewState(v));
    expect(back.scale).toBe("symlog");
    expect(back.invert).toBe(true);
    expect(back.linthresh).toBe(0.25);
    expect(back.palette).toEqual({ 3: [255, 0, 16] });
    const plain = parseViewState("scale=bogus&pal=3:xyz");
    expect(plain.scale).toBe("linear");
    expect(plain.palette).toBeUndefined();
  });
});
