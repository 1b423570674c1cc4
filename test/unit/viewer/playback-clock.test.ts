import { describe, expect, it } from "vitest";
import { PlaybackClock } from "../../../src/viewer/stream/playback-clock";

/** Drive the clock with frames every `frameMs` for `ms`; returns the times steps happened. */
function simulate(clock: PlaybackClock, frameMs: number, ms: number, ready = () => true): number[] {
  let t = 0;
  const steps: number[] = [];
  for (let now = 0; now <= ms; now += frameMs) {
    const next = clock.tick(t, now, ready());
    if (next !== undefined) {
      t = next;
      steps.push(now);
    }
  }
  return steps;
}

describe("playback clock", () => {
  it("keeps the requested rate when frames do not fall on the due times", () => {
    const c = new PlaybackClock(1000);
    c.set({ playing: true, speed: 1 }, 0, 0);
    // 70 ms frames: each step lands up to 70 ms late, but lateness never accumulates.
    const steps = simulate(c, 70, 60_000);
    const rate = (steps.length - 1) / ((steps[steps.length - 1] - steps[0]) / 1000);
    expect(Math.abs(rate - 1)).toBeLessThan(0.01);
    expect(steps.length).toBeGreaterThanOrEqual(59);
  });

  it("restarts the clock after a stall instead of racing through the missed steps", () => {
    const c = new PlaybackClock(1000);
    c.set({ playing: true, speed: 4 }, 0, 0);
    let now = 0;
    const steps = simulate(c, 10, 5000, () => {
      now += 10;
      return now < 1000 || now > 3000; // data missing for 2 s
    });
    const gaps = steps.slice(1).map((s, i) => s - steps[i]);
    // After the stall, steps come one period apart again (no burst of catch-up steps).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(240);
  });

  it("stops at the end without loop, and play there starts over", () => {
    const c = new PlaybackClock(3);
    expect(c.set({ playing: true, loop: false }, 0, 0)).toBeUndefined();
    expect(c.tick(2, 10_000, true)).toBeUndefined();
    expect(c.state.playing).toBe(false);
    expect(c.set({ playing: true }, 2, 20_000)).toBe(0);
    expect(c.set({ playing: false }, 0, 20_000)).toBeUndefined();
    expect(c.set({ playing: true, direction: -1 }, 0, 20_000)).toBe(2);
  });

  it("loops around in either direction", () => {
    const c = new PlaybackClock(3);
    c.set({ playing: true, loop: true, direction: -1 }, 0, 0);
    expect(c.tick(0, 1000, true)).toBe(2);
  });
});
