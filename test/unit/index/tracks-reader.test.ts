import { describe, expect, it } from "vitest";
import { SectionKind } from "../../../src/format/constants";
import { FeatureIndexReader } from "../../../src/index/feature-index-reader";
import { buildFeatureSections } from "../../../src/index/feature-sections";
import { FeatureTracker } from "../../../src/index/feature-tracker";
import { FEATURE_SECTION_KINDS } from "../../../src/index/section-kinds";
import type { Vec3 } from "../../../src/shared/types";
import { buildFile } from "./helpers";

describe("tracks through the sections", () => {
  it("extract → track → sections → track(id) with every instance", async () => {
    const dims: Vec3 = [24, 8, 8];
    const tr = new FeatureTracker();
    for (let t = 0; t < 6; t++) {
      const a = new Float32Array(24 * 8 * 8);
      // One blob moving +2 in x per step; a second, static blob appears at t = 3.
      for (let z = 2; z < 5; z++)
        for (let y = 2; y < 5; y++) for (let x = 2 * t; x < 2 * t + 4; x++) a[x + 24 * (y + 8 * z)] = 3 + t;
      if (t >= 3) a[20 + 24 * (6 + 8 * 6)] = 9;
      tr.push(t, t * 0.1, a, dims, { threshold: 1 });
    }
    const { instances, tracks } = tr.finish();
    expect(tracks.length).toBe(2);
    const b = buildFile(instances, tracks);
    const r = await FeatureIndexReader.open(b.source, b.refs);
    const t0 = await r.track(0);
    expect(t0?.trajectory.length).toBe(6);
    expect(t0?.features.map((f) => f.timestep)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(t0?.features.map((f) => f.box.min[0])).toEqual([0, 2, 4, 6, 8, 10]);
    expect(t0?.features.every((f) => f.track === 0 && f.properties.voxels === 36)).toBe(true);
    expect(t0?.fate).toBe("active");
    const t1 = await r.track(1);
    expect(t1?.birth).toEqual({ timestep: 3, time: 3 * 0.1 });
    expect(t1?.features.length).toBe(3);
    expect(await r.track(2)).toBeUndefined();
    // Query by property and time on the same file.
    const hot = await r.query({ where: [["peak", ">", 6]], time: [0.35, 1] });
    expect(hot.map((f) => [f.track, f.timestep]).sort()).toEqual([
      [0, 4],
      [0, 5],
      [1, 4],
      [1, 5],
    ]);
  });

  it("emits the four sections with the container's kind codes", () => {
    const s = buildFeatureSections([], []);
    expect(s.map((x) => x.kind)).toEqual(Object.values(FEATURE_SECTION_KINDS));
    expect(s.map((x) => x.kind)).toEqual([
      SectionKind.FEATURES,
      SectionKind.FEATURE_RECORDS,
      SectionKind.FEATURE_RTREE,
      SectionKind.ATTRIBUTE_INDEX,
    ]);
  });
});
