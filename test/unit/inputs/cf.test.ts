/**
 * The CF rules on their own: coordinate axes (uniform within tolerance,
 * single values, descending reversed, refusals naming the axis, --index-grid), attributes that do
 * not survive a cast ignored as netCDF4-python ignores them (checked with
 * netCDF4 1.6.2: an i2 variable with valid_max 100.5 masks nothing, with
 * valid_max f4 100.000001 masks 101 and 102), attribute filtering.
 */
import { describe, expect, it } from "vitest";
import { isFlatvoxError } from "../../../src/shared/errors";
import { cfAxis, cfDecoding, cfTime, userAttributes } from "../../../src/writer/inputs/cf";

const I2 = { kind: "i", size: 2, littleEndian: true } as const;

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isFlatvoxError(e, "InputError"), String(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("cfAxis", () => {
  const coord = (values: number[], f32 = false) => ({ values, attrs: { units: "km" }, f32 });
  it("uniform ascending: origin is the corner of voxel 0, spacing the step, units kept", () => {
    expect(cfAxis("x", "x", coord([10, 12, 14, 16]), "f.nc")).toEqual({ origin: 9, spacing: 2, units: "km" });
    expect(cfAxis("z", "z", coord([5]), "f.nc")).toEqual({ origin: 4.5, spacing: 1, units: "km" });
    expect(cfAxis("y", "y", undefined, "f.nc")).toEqual({ origin: 0, spacing: 1 });
    const f32 = [0, 1, 2, 3].map((i) => Math.fround(Math.fround(1000.1) + i * Math.fround(0.1)));
    expect(cfAxis("x", "x", coord(f32, true), "f.nc").spacing).toBeCloseTo(0.1, 4);
    expect(() => cfAxis("x", "x", coord(f32, false), "f.nc")).toThrow(/not uniform/);
  });

  it("descending values: the axis reversed; non-uniform, repeated or missing values refused naming the axis", () => {
    expect(refusal(() => cfAxis("y", "lat", coord([0, 1, 2, 4]), "f.nc"))).toBe(
      "f.nc: coordinate lat (the y axis) is not uniform (steps from 1 to 2); regrid it to uniform spacing (e.g. cdo remapbil) or pass --index-grid",
    );
    expect(cfAxis("y", "lat", coord([3, 2, 1]), "f.nc")).toMatchObject({
      origin: 0.5,
      spacing: 1,
      flipped: true,
      units: "km",
    });
    expect(refusal(() => cfAxis("x", "x", coord([1, 1, 1]), "f.nc"))).toMatch(/not uniform/);
    expect(refusal(() => cfAxis("x", "x", coord([1, Number.NaN]), "f.nc"))).toMatch(/missing values/);
    // Within 1e-5 of the step: uniform.
    expect(cfAxis("x", "x", coord([0, 1.000001, 2]), "f.nc").spacing).toBe(1);
  });

  it("--index-grid: indices, the values kept, a note", () => {
    const a = cfAxis("y", "lat", coord([0, 1, 2, 4]), "f.nc", true);
    expect(a).toMatchObject({ origin: 0, spacing: 1, values: [0, 1, 2, 4] });
    expect(a.note).toMatch(/lat \(the y axis\) is not uniform .*indexed/);
  });
});

describe("cfDecoding", () => {
  const decode = (attrs: Record<string, unknown>, raw: number[]) =>
    Array.from(
      cfDecoding({ name: "f.nc:v", type: I2, attrs, netcdf: true, kind: "scalar" }).decode(
        Int16Array.from(raw),
        "test",
      ),
    );
  it("an attribute that does not survive the cast to the variable's type is ignored", () => {
    expect(decode({ valid_max: 100.5 }, [99, 100, 101, 102])).toEqual([99, 100, 101, 102]);
    expect(decode({ valid_max: Math.fround(100.000001) }, [99, 100, 101, 102])).toEqual([
      99, 100, -32767, -32767,
    ]);
  });

  it("integers: no data → _FillValue, else the default fill; plain HDF5 has no default fill", () => {
    expect(decode({ _FillValue: -1, missing_value: [7, 8] }, [1, 7, 8, -32767])).toEqual([1, -1, -1, -32767]);
    const plain = cfDecoding({ name: "p.h5:v", type: I2, attrs: {}, netcdf: false, kind: "scalar" });
    expect(plain.fill).toBeUndefined();
    expect(Array.from(plain.decode(Int16Array.from([-32767, 0]), "t"))).toEqual([-32767, 0]);
  });

  it("a packed variable cannot be stored as integers; a fill the dtype cannot hold is refused", () => {
    expect(
      refusal(() =>
        cfDecoding({
          name: "f.nc:v",
          type: I2,
          attrs: { scale_factor: 2 },
          netcdf: true,
          kind: "scalar",
          dtype: "u16",
        }),
      ),
    ).toMatch(/packed .* cannot be stored as u16/);
    expect(
      refusal(() =>
        cfDecoding({ name: "f.nc:v", type: I2, attrs: {}, netcdf: true, kind: "scalar", dtype: "u8" }),
      ),
    ).toMatch(/no-data value -32767 does not fit u8; store it as f32/);
  });
});

describe("cfTime and attributes", () => {
  it("units verbatim, calendar default standard, only for '… since …'", () => {
    expect(cfTime([0, 1], { units: "days since 2000-01-01" }, "t")).toEqual({
      times: [0, 1],
      timeUnits: "days since 2000-01-01",
      timeCalendar: "standard",
    });
    expect(cfTime([0, 1], { units: "s" }, "t")).toEqual({ times: [0, 1], timeUnits: "s" });
    expect(refusal(() => cfTime([0, Number.NaN], {}, "f.nc:time"))).toMatch(/time value 1 is missing/);
    expect(refusal(() => cfTime([1, 1], {}, "f.nc:time"))).toMatch(
      /strictly increasing \(1 after 1 at index 1\)/,
    );
  });

  it("library internals dropped, 1-element arrays as scalars, non-finite numbers as strings", () => {
    expect(
      userAttributes({
        DIMENSION_LIST: [[{ ref_data: {} }]],
        _Netcdf4Dimid: 0,
        CLASS: "DIMENSION_SCALE",
        _FillValue: [Number.NaN],
        scale_factor: [0.5],
        flag_values: new Uint8Array([0, 1]),
        big: 3n,
        ref: { ref_data: {} },
      }),
    ).toEqual({ _FillValue: "NaN", scale_factor: 0.5, flag_values: [0, 1], big: 3 });
  });
});
