import * as THREE from "three";
import { describe, expect, it } from "vitest";
import { axesOnScreen, scaleBar, worldBounds } from "../../../src/viewer/ui/navigation";

describe("scale bar", () => {
  it("picks a 1-2-5 length that fits and says how many pixels it spans", () => {
    expect(scaleBar(0.5, 120)).toEqual({ length: 50, px: 100 });
    expect(scaleBar(0.01, 120)).toEqual({ length: 1, px: 100 });
    const b = scaleBar(3.7e-4, 120);
    expect(b.length).toBe(0.02);
    expect(b.px).toBeCloseTo(0.02 / 3.7e-4, 9);
    expect(scaleBar(0, 120).length).toBe(0);
    expect(scaleBar(Number.NaN, 120).length).toBe(0);
  });
});

describe("axis triad", () => {
  it("shows world axes as the camera sees them", () => {
    const cam = new THREE.PerspectiveCamera(40, 1, 0.1, 100);
    cam.up.set(0, 0, 1);
    cam.position.set(0, -10, 0);
    cam.lookAt(0, 0, 0);
    const [x, y, z] = axesOnScreen(cam);
    expect(x.x).toBeCloseTo(1, 9);
    expect(z.y).toBeCloseTo(1, 9);
    // +y points away from a camera on the −y side.
    expect(y.depth).toBeCloseTo(-1, 9);
  });
});

describe("world bounds", () => {
  it("maps a box of the domain through origin and spacing", () => {
    const info = { dims: [10, 20, 30], origin: [1, 2, 3], spacing: [0.5, 1, 2] };
    expect(worldBounds(info as never)).toEqual({ min: [1, 2, 3], max: [6, 22, 63] });
    expect(worldBounds(info as never, { min: [0.5, 0, 0], max: [1, 0.5, 0.1] })).toEqual({
      min: [3.5, 2, 3],
      max: [6, 12, 9],
    });
  });
});
