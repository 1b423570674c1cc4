import { describe, expect, it } from "vitest";
import { type FrameHost, FrameRequests, type FrameTimers } from "../../../src/viewer/render/frame-requests";

/** A simulated clock: timers and animation frames (every 16 ms) run as time advances. */
class SimTimers implements FrameTimers {
  time = 0;
  private timers: { at: number; f: () => void; id: number }[] = [];
  private frames: (() => void)[] = [];
  private nextId = 1;

  now(): number {
    return this.time;
  }

  setTimeout(f: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + Math.max(0, ms), f, id });
    return id;
  }

  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== h);
  }

  animationFrame(f: () => void): void {
    this.frames.push(f);
  }

  /** Advance to `until`, running due timers and animation frames in time order. */
  run(until: number): void {
    for (;;) {
      const timer = this.timers.reduce<(typeof this.timers)[number] | undefined>(
        (a, b) => (!a || b.at < a.at ? b : a),
        undefined,
      );
      // Animation frames run at the next 16 ms boundary.
      const vsync = this.frames.length ? (Math.floor(this.time / 16) + 1) * 16 : Number.POSITIVE_INFINITY;
      const at = Math.min(timer?.at ?? Number.POSITIVE_INFINITY, vsync);
      if (at > until) break;
      this.time = Math.max(this.time, at);
      if (timer && timer.at <= vsync) {
        this.timers = this.timers.filter((t) => t !== timer);
        timer.f();
      } else {
        for (const f of this.frames.splice(0)) f();
      }
    }
    this.time = until;
  }
}

/** A viewport stand-in: records when it drew; frames occupy the GPU for `frameMs`. */
function setup(opts: { frameMs: number; lastFrameMs?: number }) {
  const sim = new SimTimers();
  const drawn: number[] = [];
  const host: FrameHost & { gpuBusy: boolean; lastFrameMs: number; lastDrawEnd: number } = {
    gpuBusy: false,
    interacting: false,
    quick: false,
    lastFrameMs: opts.lastFrameMs ?? opts.frameMs,
    lastDrawEnd: 0,
    expectedMs: opts.frameMs,
    draw: () => {
      if (host.gpuBusy) return; // prepares only; the frame in flight finishes first
      drawn.push(sim.time);
      host.gpuBusy = true;
      sim.setTimeout(() => {
        host.gpuBusy = false;
        host.lastDrawEnd = sim.time;
        host.lastFrameMs = opts.frameMs;
        requests.frameDone();
      }, opts.frameMs);
    },
  };
  const requests = new FrameRequests(host, sim);
  return { sim, host, requests, drawn };
}

describe("frame requests", () => {
  it("an urgent frame does not wait behind a data frame held back after a slow frame", () => {
    // The last frame (full resolution at rest) took 3 s: a data frame waits 500 ms of idle time.
    const { sim, requests, drawn } = setup({ frameMs: 100, lastFrameMs: 3000 });
    sim.run(100);
    requests.request(); // data arrived
    requests.request(true); // the user steps in time right after
    sim.run(600);
    expect(drawn).toHaveLength(1);
    expect(drawn[0]).toBeLessThanOrEqual(100 + 16);
  });

  it("data frames still leave the page idle as long as the last frame took", () => {
    const { sim, requests, drawn } = setup({ frameMs: 100, lastFrameMs: 300 });
    sim.run(50);
    requests.request();
    sim.run(1000);
    expect(drawn).toHaveLength(1);
    expect(drawn[0]).toBeGreaterThanOrEqual(300);
  });

  it("an urgent frame that finds the GPU busy is drawn as soon as the frame in flight is done", () => {
    const { sim, requests, drawn } = setup({ frameMs: 400 });
    requests.request(true);
    sim.run(20);
    expect(drawn).toEqual([16]);
    requests.request(true); // the next step, while the first frame renders until 416
    sim.run(2000);
    expect(drawn).toHaveLength(2);
    expect(drawn[1]).toBeGreaterThanOrEqual(416);
    expect(drawn[1]).toBeLessThanOrEqual(416 + 16);
  });

  it("before a deadline only frames done by then are drawn; the urgent frame at the deadline is", () => {
    const { sim, requests, drawn, host } = setup({ frameMs: 300, lastFrameMs: 0 });
    requests.deadline = 500;
    sim.run(100);
    requests.request(); // 100 + 300 ≤ 500: drawn
    sim.run(150);
    expect(drawn).toEqual([112]);
    sim.run(412);
    host.lastFrameMs = 0; // no idle wait: only the deadline holds the next frame back
    requests.request(); // 416 + 300 > 500: would still be on the GPU when the step is due
    sim.run(499);
    expect(drawn).toEqual([112]);
    sim.run(500);
    requests.request(true); // the step
    sim.run(530);
    expect(drawn).toEqual([112, 512]);
    // Once the deadline has passed without a step (data late), frames are drawn as usual.
    requests.deadline = 400;
    sim.run(1200);
    requests.request();
    sim.run(1600);
    expect(drawn).toHaveLength(3);
  });

  it("a request made while a frame is prepared is drawn by that frame, not urged again", () => {
    const { sim, requests, drawn, host } = setup({ frameMs: 200 });
    host.draw = () => {
      drawn.push(sim.time);
      host.lastDrawEnd = sim.time;
      // The clock steps inside the frame (setState asks for an urgent frame).
      requests.preparingFrame(() => requests.request(true));
    };
    requests.request(true);
    sim.run(20);
    expect(drawn).toEqual([16]);
    sim.run(150);
    // The follow-up is an ordinary frame: it waits the idle time (200 ms after the last one).
    expect(drawn).toEqual([16]);
    sim.run(400);
    expect(drawn).toHaveLength(2);
    expect(drawn[1]).toBeGreaterThanOrEqual(216);
  });
});
