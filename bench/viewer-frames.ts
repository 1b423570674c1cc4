/**
 * The viewer in headless Chromium (SwiftShader WebGL2) against the demo
 * datasets on a loopback server that counts what it serves:
 *  - navigation → first complete frame (everything the view needs drawn), cold;
 *  - switching to a prefetched timestep → the first frame showing it;
 *  - frames per second while orbiting with the mouse;
 *  - requests and bytes for one full orbit after the first frame;
 *  - 10 s of playback at 2 steps/s captured from the screen (CDP screencast):
 *    blank frames (must be 0) and the achieved rate;
 *  - main-thread milliseconds and thread crossings per brick (the engine's
 *    brick-cost counters, src/viewer/stream/brick-cost.ts), before (`?backend=off`:
 *    the page's own scheduler and brick cache, decode pool → page, page → core
 *    worker per pick) and after (the backend worker, `?backend=on`), cold opens interleaved,
 *    each followed by one pick so its crossings are counted too; for `--dataset`
 *    and the categorical demo (`--categorical`, whose bricks reach the page as
 *    meshes). `--only perbrick` measures just these.
 * Prints JSON. Needs the site built (.cache/site; `node scripts/prepare-site.mjs`).
 */

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import os from "node:os";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../playwright.config";
import { decodePng } from "../test/helpers/png";
import { startCountingServer } from "./lib/counting-server";
import { argNumber, argString, environment, printJson, summarize } from "./lib/report";

type Stats = {
  firstFrameMs?: number;
  firstDataFrameMs?: number;
  lastTimeSwitchMs?: number;
  shownT: number;
  frames: number;
  frameMs: number;
  uploads: number;
  requests: number;
  bytes: number;
  core: string;
  lodMs: number;
  selected: number;
  pendingPrefetch: number;
  mainMsPerBrick: number;
  crossingsPerBrick: number;
  bricksLoaded: number;
  backend?: string;
  meshes?: { built: number; fromBackend: number };
};
type Hook = {
  ready: Promise<void>;
  readyAt?: number;
  isReady: boolean;
  stats(): Stats;
  whenIdle(): Promise<Stats>;
  setState(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  setPlayback(p: Record<string, unknown>): void;
  pickAt(x: number, y: number): Promise<unknown>;
  state(): { t: number };
  engine(): {
    viewport: { resolution: number; draw(sync?: boolean): void };
    renderOptions: { seamless: boolean };
  };
};
type W = { __flatvox: Hook };

const runs = argNumber("runs", 3);
const dataset = argString("dataset", "data/gray-scott.fvx");
const switches = argNumber("switches", 6);
/** --full 0 skips the render-cost and orbit sections (a shorter run). */
const full = argNumber("full", 1) !== 0;
/** The categorical demo (meshes) measured per brick next to `--dataset`; "" skips it. */
const categorical = argString("categorical", "data/material-world.fvx");
/** --only perbrick: just the per-brick costs (before/after, both datasets). */
const only = argString("only", "");

if (!existsSync(".cache/site/index.html")) {
  spawnSync("node", ["scripts/prepare-site.mjs"], { stdio: "inherit" });
}
const server = await startCountingServer(".cache/site");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });

async function open(page: Page, query: string): Promise<void> {
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => (window as unknown as W).__flatvox?.isReady === true, null, {
    timeout: 120_000,
  });
}

/** Screen frames during playback (CDP screencast), blank ones counted; step times from the page. */
async function capturePlayback(page: Page, speed: number, ms: number) {
  const cdp = await page.context().newCDPSession(page);
  const frames: string[] = [];
  cdp.on("Page.screencastFrame", (f: { data: string; sessionId: number }) => {
    frames.push(f.data);
    void cdp.send("Page.screencastFrameAck", { sessionId: f.sessionId }).catch(() => undefined);
  });
  await cdp.send("Page.startScreencast", { format: "png", maxWidth: 640, maxHeight: 400 });
  const steps = await page.evaluate(
    async ([sp, dur]) => {
      const h = (window as unknown as W).__flatvox;
      const times: number[] = [];
      let last = h.state().t;
      h.setPlayback({ speed: sp, loop: true, playing: true });
      const t0 = performance.now();
      // A plain loop: named inner functions would need the bundler's helpers inside the page.
      while (performance.now() - t0 < dur) {
        const t = h.state().t;
        if (t !== last) {
          last = t;
          times.push(performance.now());
        }
        await new Promise((res) => setTimeout(res, 5));
      }
      h.setPlayback({ playing: false });
      return times;
    },
    [speed, ms] as const,
  );
  await cdp.send("Page.stopScreencast");
  await cdp.detach();
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  const coverage = frames.map((data) => {
    const img = decodePng(Buffer.from(data, "base64"));
    const k = img.width / 1280;
    let n = 0;
    let all = 0;
    for (
      let y = Math.round((box.y + box.height * 0.1) * k);
      y < Math.round((box.y + box.height * 0.9) * k);
      y++
    )
      for (
        let x = Math.round((box.x + box.width * 0.1) * k);
        x < Math.round((box.x + box.width * 0.9) * k);
        x++
      ) {
        const o = (y * img.width + x) * 4;
        const [r, g, b] = [img.rgba[o], img.rgba[o + 1], img.rgba[o + 2]];
        if (Math.abs(r - 0x14) + Math.abs(g - 0x17) + Math.abs(b - 0x1c) > 18 && r + g + b > 12) n++;
        all++;
      }
    return n / Math.max(1, all);
  });
  const ref = Math.max(0, ...coverage);
  const m = steps.slice(2);
  const mx = (m.length - 1) / 2;
  const my = m.reduce((a, b) => a + b, 0) / Math.max(1, m.length);
  let sxy = 0;
  let sxx = 0;
  m.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
  });
  return {
    speed,
    seconds: ms / 1000,
    screenFrames: frames.length,
    blankFrames: coverage.filter((c) => c < ref * 0.2).length,
    steps: steps.length,
    achievedStepsPerSecond: m.length > 2 ? Number((1000 / (sxy / sxx)).toFixed(3)) : Number.NaN,
  };
}

const idle = (page: Page) => page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
const LARGE = ".cache/demo-large/material-world-512.fvx";

/** One full turn dragged with the mouse; frames drawn and bytes fetched until the view settles. */
async function orbit(page: Page) {
  await idle(page);
  const canvas = (await page.getByTestId("viewer-canvas").boundingBox())!;
  const cx = canvas.x + canvas.width / 2;
  const cy = canvas.y + canvas.height / 2;
  server.reset();
  const f0 = await page.evaluate(() => (window as unknown as W).__flatvox.stats().frames);
  const t0 = Date.now();
  await page.mouse.move(cx - canvas.height / 2, cy);
  await page.mouse.down();
  // OrbitControls: 2π per canvas height of horizontal drag (rotateSpeed 1).
  const steps = 36;
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(cx - canvas.height / 2 + (canvas.height * i) / steps, cy);
    await page.waitForTimeout(25);
  }
  await page.mouse.up();
  const seconds = (Date.now() - t0) / 1000;
  const f1 = await page.evaluate(() => (window as unknown as W).__flatvox.stats().frames);
  await idle(page);
  const c = server.counts();
  return {
    seconds: Number(seconds.toFixed(2)),
    frames: f1 - f0,
    fps: Number(((f1 - f0) / seconds).toFixed(1)),
    requests: c.requests,
    bytes: c.bytes,
  };
}

try {
  // 1. Navigation → first complete frame, cold (fresh context: empty HTTP and IndexedDB caches).
  const first: number[] = [];
  const firstData: number[] = [];
  const openToEngine: number[] = [];
  const firstEngine: number[] = [];
  const firstRequests: number[] = [];
  type Cost = { mainMs: number[]; crossings: number[]; bricks: number[]; meshes: number[] };
  const cost0 = (): Record<"before" | "after", Cost> => ({
    before: { mainMs: [], crossings: [], bricks: [], meshes: [] },
    after: { mainMs: [], crossings: [], bricks: [], meshes: [] },
  });
  // The scalar dataset's and the categorical demo's (meshes) per-brick costs.
  const perBrickBy: Record<string, Record<"before" | "after", Cost>> = { [dataset]: cost0() };
  if (categorical && categorical !== dataset) perBrickBy[categorical] = cost0();
  const milestones: Record<string, number[]> = {};
  // The page's own brick path (before, `?backend=off`) and the backend worker (after, `?backend=on`), interleaved.
  for (let i = 0; i < runs; i++)
    for (const [ds, cost] of Object.entries(perBrickBy))
      for (const mode of ["before", "after"] as const) {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await ctx.newPage();
        await open(
          page,
          `url=${encodeURIComponent(ds)}${mode === "before" ? "&backend=off" : "&backend=on"}`,
        );
        await idle(page);
        // One pick (a grid of tries until one hits), then the view settled again.
        const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
        await page.evaluate(
          async ([w, h]) => {
            for (let fy = 0.3; fy < 0.8; fy += 0.05)
              for (let fx = 0.3; fx < 0.8; fx += 0.05)
                if (await (window as unknown as W).__flatvox.pickAt(fx * w, fy * h)) return;
          },
          [box.width, box.height],
        );
        await page.waitForTimeout(500);
        await idle(page);
        const st = await page.evaluate(() => (window as unknown as W).__flatvox.stats());
        if (mode === "after" && st.backend !== "worker") throw new Error(`backend is ${st.backend}`);
        cost[mode].mainMs.push(st.mainMsPerBrick);
        cost[mode].crossings.push(st.crossingsPerBrick);
        cost[mode].bricks.push(st.bricksLoaded);
        cost[mode].meshes.push(st.meshes?.built ?? 0);
        await ctx.close();
      }
  const perBrickReport = Object.fromEntries(
    Object.entries(perBrickBy).map(([ds, c]) => [
      ds,
      {
        ...Object.fromEntries(
          Object.entries(c).map(([k, v]) => [
            k,
            {
              mainThreadMs: summarize(v.mainMs, 2),
              threadCrossings: summarize(v.crossings, 2),
              bricksLoaded: summarize(v.bricks, 0),
              meshesBuilt: summarize(v.meshes, 0),
            },
          ]),
        ),
        mainThreadMsPerBrickRatio: Number(
          (summarize(c.before.mainMs, 3).median / summarize(c.after.mainMs, 3).median).toFixed(2),
        ),
      },
    ]),
  );
  // Progress on stderr: the per-brick comparison as soon as it is measured.
  console.error(JSON.stringify({ perBrick: perBrickReport }));
  if (only === "perbrick") {
    printJson({ bench: "viewer-frames", environment: environment(), perBrick: perBrickReport });
    await browser.close();
    await server.stop();
    process.exit(0);
  }
  for (let i = 0; i < runs; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    server.reset();
    await open(page, `url=${encodeURIComponent(dataset)}`);
    const r = await page.evaluate(() => ({
      at: (window as unknown as W).__flatvox.readyAt ?? Number.NaN,
      engine: (window as unknown as W).__flatvox.stats().firstFrameMs ?? Number.NaN,
      data: (window as unknown as W).__flatvox.stats().firstDataFrameMs ?? Number.NaN,
    }));
    // The startup milestones (src/viewer/app/marks.ts), ms since navigation start.
    const m = await page.evaluate(() => {
      const out: Record<string, number> = {};
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
      if (nav) {
        out.htmlLoaded = nav.responseEnd;
        out.domContentLoaded = nav.domContentLoadedEventEnd;
      }
      for (const e of performance.getEntriesByType("mark"))
        if (e.name.startsWith("fvx:")) out[e.name.slice(4)] = e.startTime;
      return out;
    });
    for (const [k, v] of Object.entries(m)) {
      milestones[k] ??= [];
      milestones[k].push(v);
    }
    firstData.push(r.at - r.engine + r.data);
    openToEngine.push(r.at - r.engine);
    first.push(r.at);
    firstEngine.push(r.engine);
    firstRequests.push(server.counts().requests);
    await ctx.close();
  }

  // 2. Time switches to prefetched timesteps, adaptive resolution (as users get it).
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await open(page, `url=${encodeURIComponent(dataset)}`);
  await idle(page);
  const core = await page.evaluate(() => (window as unknown as W).__flatvox.stats().core);
  const switchMs: number[] = [];
  const switchDetail: { t: number; ms: number; uploads: number; frameMs: number; resolution: number }[] = [];
  for (let t = 1; t <= switches; t++) {
    // Wait for the prefetch of t (one step ahead) to land.
    await page.waitForFunction(() => (window as unknown as W).__flatvox.stats().pendingPrefetch === 0, null, {
      timeout: 60_000,
    });
    await page.waitForTimeout(300);
    const before = await page.evaluate(() => (window as unknown as W).__flatvox.stats().uploads);
    const r = await page.evaluate(async (tt) => {
      const h = (window as unknown as W).__flatvox;
      const prev = h.stats().lastTimeSwitchMs;
      h.setState({ t: tt });
      const t0 = performance.now();
      while (h.stats().lastTimeSwitchMs === prev || h.stats().shownT !== tt) {
        await new Promise((res) => setTimeout(res, 2));
        if (performance.now() - t0 > 20_000) break;
      }
      const s = h.stats();
      return {
        ms: s.lastTimeSwitchMs ?? Number.NaN,
        uploads: s.uploads,
        frameMs: s.frameMs,
        resolution: h.engine().viewport.resolution,
      };
    }, t);
    switchMs.push(r.ms);
    switchDetail.push({
      t,
      ms: Number(r.ms.toFixed(1)),
      uploads: r.uploads - before,
      frameMs: Number(r.frameMs.toFixed(1)),
      resolution: Number(r.resolution.toFixed(2)),
    });
    await idle(page);
  }

  // Render cost alone: draws of the same complete view (data all resident), by
  // resolution scale and with/without filtering across brick faces.
  const render: Record<string, number> = {};
  for (const res of full ? [1, 0.5, 0.25] : [])
    for (const seamless of [true, false]) {
      const ms = await page.evaluate(
        async ([r, sl]) => {
          const h = (window as unknown as W).__flatvox;
          h.setResolution(r as number);
          h.engine().renderOptions.seamless = sl as boolean;
          await h.whenIdle();
          const e = h.engine();
          e.viewport.draw(true);
          const t0 = performance.now();
          for (let i = 0; i < 3; i++) e.viewport.draw(true);
          return (performance.now() - t0) / 3;
        },
        [res, seamless],
      );
      render[`res${res}${seamless ? "" : "-noSeamFix"}`] = Number(ms.toFixed(1));
    }
  await page.evaluate(() => {
    const h = (window as unknown as W).__flatvox;
    h.engine().renderOptions.seamless = true;
    h.setResolution(undefined);
  });

  // 3 + 4. Orbit with the mouse: one full turn; frames per second, and what it fetched.
  const orbitDefault = full ? await orbit(page) : undefined;
  await ctx.close();
  // The same on the 512³ material world (when the browser tests have generated it), close in.
  let orbitLarge: Awaited<ReturnType<typeof orbit>> | undefined;
  if (full && existsSync(LARGE)) {
    copyFileSync(LARGE, ".cache/site/data/material-world-512.fvx");
    const c2 = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p2 = await c2.newPage();
    await open(p2, "url=data/material-world-512.fvx&cam=420,-120,380,256,256,160");
    await idle(p2);
    orbitLarge = await orbit(p2);
    await c2.close();
  }

  // 5. Playback from the screen: 10 s at 2 steps/s, adaptive resolution; blank frames and the rate.
  const pbCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const pbPage = await pbCtx.newPage();
  await open(pbPage, `url=${encodeURIComponent(dataset)}`);
  await idle(pbPage);
  const playback = await capturePlayback(pbPage, 2, 10_000);
  await pbCtx.close();

  printJson({
    bench: "viewer-frames",
    environment: { ...environment(), loadavg: os.loadavg().map((v) => Number(v.toFixed(1))) },
    dataset,
    core,
    firstFrame: {
      navigationToCompleteFrameMs: summarize(first, 0),
      engineToCompleteFrameMs: summarize(firstEngine, 0),
      navigationToFirstDataFrameMs: summarize(firstData, 0),
      navigationToEngineMs: summarize(openToEngine, 0),
      requests: summarize(firstRequests, 0),
      goalMs: 2000,
      milestonesMedianMs: Object.fromEntries(
        Object.entries(milestones)
          .map(([k, v]) => [k, summarize(v, 0).median] as const)
          .sort((a, b) => a[1] - b[1]),
      ),
    },
    renderMsPerFrame: render,
    perBrick: perBrickReport,
    playback,
    timeSwitch: { ms: summarize(switchMs, 1), goalMs: 150, detail: switchDetail },
    orbit: {
      [dataset]: orbitDefault ?? "skipped",
      "data/material-world-512.fvx": orbitLarge ?? "not generated",
    },
  });
} finally {
  await browser.close();
  await server.stop();
}
