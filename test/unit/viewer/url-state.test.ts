import { describe, expect, it } from "vitest";
import { parseViewState, serializeViewState } from "../../../src/viewer/app/url-state";
import { DEFAULT_VIEW, type ViewState } from "../../../src/viewer/app/view-state";

describe("url state", () => {
  it("round-trips a full view", () => {
    const v: ViewState = {
      ...structuredClone(DEFAULT_VIEW),
      url: "data/gray-scott.fvx",
      field: "v",
      t: 7,
      colormap: "magma",
      mode: "iso",
      window: [0.01, 0.4],
      ramp: [
        [0, 0],
        [0.3, 0.1],
        [1, 0.9],
      ],
      iso: 0.25,
      clip: { min: [0.1, 0, 0.2], max: [1, 0.75, 1] },
      camera: { position: [10.5, -20.25, 30], target: [48, 48, 48] },
      selection: [3, 4, 5],
      hidden: [0, 7],
      lodPx: 4,
    };
    expect(parseViewState(`?${serializeViewState(v)}`)).toEqual(v);
  });

  it("falls back to defaults on junk", () => {
    const v = parseViewState(
      "?url=x.fvx&t=-3&cm=rainbow&mode=foo&win=5,1&clip=0,0,0,2,1,1&cam=1,2&sel=1.5,2,3&lod=-1",
    );
    expect(v.url).toBe("x.fvx");
    expect(v.t).toBe(0);
    expect(v.colormap).toBe(DEFAULT_VIEW.colormap);
    expect(v.mode).toBe(DEFAULT_VIEW.mode);
    expect(v.window).toBeUndefined();
    expect(v.clip).toEqual(DEFAULT_VIEW.clip);
    expect(v.camera).toBeUndefined();
    expect(v.selection).toBeUndefined();
    expect(v.lodPx).toBe(DEFAULT_VIEW.lodPx);
  });
});
