import { describe, expect, it } from "vitest";
import { buildQuery } from "../../../src/cli/query";
import type { Vec3 } from "../../../src/shared/types";
import { buildFeatureQuery, parseValue } from "../../../src/viewer/ui/FeaturesPanel";

const ctx = {
  time: 120,
  clip: { min: [0, 0.5, 0] as Vec3, max: [1, 1, 0.25] as Vec3 },
  dims: [64, 64, 40] as Vec3,
};
const form = {
  type: "spot",
  conditions: [
    { prop: "voxels", op: ">" as const, value: "20" },
    { prop: "peak", op: "<=" as const, value: "0.4" },
    { prop: "", op: "=" as const, value: "ignored" },
  ],
  scope: "all" as const,
  t0: "",
  t1: "",
  inClip: false,
  limit: "",
};

describe("feature query form", () => {
  it("asks what `flatvox query` asks for the same conditions", () => {
    const ui = buildFeatureQuery(form, ctx);
    const cli = buildQuery({ where: ["type=spot", "voxels>20", "peak<=0.4"] });
    expect(ui).toEqual({ where: cli.where });
  });

  it("turns scope, clip box and limit into time, box and limit", () => {
    expect(buildFeatureQuery({ ...form, scope: "step" }, ctx).time).toEqual([120, 120]);
    expect(buildFeatureQuery({ ...form, scope: "range", t0: "300", t1: "60" }, ctx).time).toEqual([60, 300]);
    const q = buildFeatureQuery({ ...form, inClip: true, limit: "7" }, ctx);
    expect(q.box).toEqual({ min: [0, 32, 0], max: [64, 64, 10] });
    expect(q.limit).toBe(7);
    expect(q).toEqual({
      ...buildQuery({ where: ["type=spot", "voxels>20", "peak<=0.4"], box: "0,32,0,64,64,10", limit: "7" }),
    });
  });

  it("keeps numbers numeric and quoted text textual", () => {
    expect(parseValue("2.5")).toBe(2.5);
    expect(parseValue('"42"')).toBe("42");
    expect(parseValue("vortex")).toBe("vortex");
  });
});
