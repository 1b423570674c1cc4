import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Page, test } from "@playwright/test";
import { placeDataset } from "../helpers/place-dataset";
import { decodePng } from "../helpers/png";
import { openViewer } from "../helpers/viewer-page";

const SCALAR = "data/gray-scott.fvx";
const MATERIAL = "data/material-world.fvx";

type Vec = number[];
type Engine = {
  state: { t: number; window?: [number, number] };
  info: { dims: Vec; origin: Vec; spacing: Vec; times: number[] };
  playback: { playing: boolean; loop: boolean; speed: number };
  viewport: {
    renderer: { domElement: HTMLCanvasElement; getContext(): WebGL2RenderingContext };
    camera: {
      updateMatrixWorld(): void;
      matrixWorldInverse: { elements: number[] };
      projectionMatrix: { elements: number[] };
    };
    scene: {
      traverse(
        fn: (o: { isMesh?: boolean; visible: boolean; geometry?: { attributes: object } }) => void,
      ): void;
    };
  };
};
type Hook = {
  ready: Promise<void>;
  isReady: boolean;
  error?: string;
  setState(p: Record<string, unknown>): void;
  setPlayback(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  state(): { t: number; window?: [number, number] };
  whenIdle(): Promise<{ gpuBytes: number } | undefined>;
  stats(): { gpuBytes: number; shownT: number; complete: boolean };
  pickAt(x: number, y: number): Promise<{ value?: number; exact: boolean } | undefined>;
  picked(): { value?: number; ijk: number[]; exact: boolean } | undefined;
  shareUrl(): string;
  engine(): Engine;
};
type W = { __flatvox: Hook };

const open = (page: Page, query: string, resolution?: number) =>
  openViewer(page, query, { resolution, idle: true });

const idle = (page: Page) => page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());

/**
 * Screen frames as the compositor produced them (CDP screencast), reduced to
 * the fraction of canvas pixels that show something other than the
 * background or a cleared (black) buffer.
 */
async function captureCoverage(page: Page, during: () => Promise<void>): Promise<number[]> {
  const cdp = await page.context().newCDPSession(page);
  const frames: string[] = [];
  cdp.on("Page.screencastFrame", (f: { data: string; sessionId: number }) => {
    frames.push(f.data);
    void cdp.send("Page.screencastFrameAck", { sessionId: f.sessionId }).catch(() => undefined);
  });
  const vp = page.viewportSize()!;
  // Half size: a blank frame is blank at any scale, and decoding stays cheap.
  const scale = 0.5;
  await cdp.send("Page.startScreencast", {
    format: "png",
    maxWidth: Math.round(vp.width * scale),
    maxHeight: Math.round(vp.height * scale),
  });
  await during();
  await cdp.send("Page.stopScreencast");
  await cdp.detach();
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  return frames.map((data) => {
    const img = decodePng(Buffer.from(data, "base64"));
    const k = img.width / vp.width;
    const x0 = Math.round((box.x + box.width * 0.1) * k);
    const y0 = Math.round((box.y + box.height * 0.1) * k);
    const x1 = Math.round((box.x + box.width * 0.9) * k);
    const y1 = Math.round((box.y + box.height * 0.9) * k);
    let n = 0;
    let all = 0;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const o = (y * img.width + x) * 4;
        const [r, g, b] = [img.rgba[o], img.rgba[o + 1], img.rgba[o + 2]];
        const bg = Math.abs(r - 0x14) + Math.abs(g - 0x17) + Math.abs(b - 0x1c) <= 18;
        const black = r + g + b <= 12;
        if (!bg && !black) n++;
        all++;
      }
    return n / Math.max(1, all);
  });
}

test("no blank frame on screen during playback or time switches, and the canvas keeps its size", async ({
  page,
}) => {
  test.setTimeout(240_000);
  // Adaptive resolution (no fixed scale): slow software GL frames trigger the quick preview path.
  await open(page, `url=${SCALAR}`);
  const canvas = page.getByTestId("viewer-canvas");
  const before = (await canvas.boundingBox())!;
  let during: { width: number; height: number } | null = null;
  const coverage = await captureCoverage(page, async () => {
    await page.getByTestId("play-button").click();
    await page.waitForTimeout(1000);
    during = await canvas.boundingBox();
    await page.waitForTimeout(9000);
    await page.getByTestId("play-button").click();
    // Time switches from the slider.
    const slider = page.getByTestId("time-slider");
    await slider.focus();
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press("ArrowRight");
      await page.waitForTimeout(700);
    }
    await idle(page);
  });
  expect(during).toEqual({ ...before });
  expect((await canvas.boundingBox())!).toEqual(before);
  expect(coverage.length).toBeGreaterThan(10);
  const reference = Math.max(...coverage);
  expect(reference).toBeGreaterThan(0.02);
  const blank = coverage.filter((c) => c < reference * 0.2);
  expect(blank.length, `blank frames among ${coverage.length}: ${coverage.map((c) => c.toFixed(3))}`).toBe(0);
});

test("the display-window fields accept any value typed key by key", async ({ page }) => {
  await open(page, `url=${SCALAR}`, 0.35);
  const low = page.getByLabel("window low");
  const high = page.getByLabel("window high");
  const type = async (el: typeof low, text: string) => {
    await el.click();
    await el.press("ControlOrMeta+a");
    await el.press("Backspace");
    await el.pressSequentially(text, { delay: 30 });
  };
  await type(high, "0.9");
  await expect(high).toHaveValue("0.9");
  await type(low, "0.45");
  await expect(low).toHaveValue("0.45");
  expect((await page.evaluate(() => (window as unknown as W).__flatvox.state())).window).toEqual([0.45, 0.9]);
  await type(low, "1e-1");
  await expect(low).toHaveValue("1e-1");
  expect((await page.evaluate(() => (window as unknown as W).__flatvox.state())).window).toEqual([0.1, 0.9]);
  // An impossible window (low above high) is not applied, and says why; leaving the field restores it.
  await type(low, "2");
  await expect(page.getByTestId("window-error")).toContainText("below");
  expect((await page.evaluate(() => (window as unknown as W).__flatvox.state())).window).toEqual([0.1, 0.9]);
  await high.click();
  await expect(low).toHaveValue("0.1");
});

test("clip-box changes on a categorical field leave no stale mesh", async ({ page }) => {
  test.setTimeout(180_000);
  await open(page, `url=${MATERIAL}`, 0.35);
  const meshes = () =>
    page.evaluate(() => {
      let all = 0;
      let visible = 0;
      (window as unknown as W).__flatvox.engine().viewport.scene.traverse((o) => {
        if (o.isMesh && o.geometry && "color" in o.geometry.attributes) {
          all++;
          if (o.visible) visible++;
        }
      });
      return { all, visible, gpu: (window as unknown as W).__flatvox.stats().gpuBytes };
    });
  const initial = await meshes();
  expect(initial.visible).toBeGreaterThan(0);
  // A dragged slider: many clip states while meshes are still being built.
  for (const x of [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.5, 0.6, 0.7]) {
    await page.evaluate(
      (v) => (window as unknown as W).__flatvox.setState({ clip: { min: [0, 0, 0], max: [v, 1, 1] } }),
      x,
    );
    await page.waitForTimeout(40);
  }
  await idle(page);
  await page.evaluate(() =>
    (window as unknown as W).__flatvox.setState({ clip: { min: [0, 0, 0], max: [1, 1, 1] } }),
  );
  await idle(page);
  await page.waitForTimeout(500);
  await idle(page);
  const back = await meshes();
  expect(back).toEqual(initial);
});

test("a shared link with sel= reopens with the picked voxel shown", async ({ page, context }) => {
  test.setTimeout(180_000);
  await open(page, `url=${SCALAR}`, 0.35);
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  const hit = await page.evaluate(
    async ([w, h]) => {
      for (let fy = 0.5; fy < 0.9; fy += 0.04)
        for (let fx = 0.2; fx < 0.8; fx += 0.04)
          if (await (window as unknown as W).__flatvox.pickAt(fx * w, fy * h)) return true;
      return false;
    },
    [box.width, box.height],
  );
  expect(hit).toBe(true);
  await expect(page.getByTestId("pick-level")).toHaveText(/exact/, { timeout: 30_000 });
  const picked = (await page.evaluate(() => (window as unknown as W).__flatvox.picked()))!;
  const value = await page.getByTestId("pick-value").textContent();
  const link = await page.evaluate(() => (window as unknown as W).__flatvox.shareUrl());
  expect(link).toContain(`sel=${picked.ijk.join("%2C")}`);
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId("pick-ijk")).toHaveText(picked.ijk.join(", "), { timeout: 60_000 });
  await expect(other.getByTestId("pick-level")).toHaveText(/exact/, { timeout: 60_000 });
  await expect(other.getByTestId("pick-value")).toHaveText(value!);
});

test("errors name the real cause and offer a retry", async ({ page }) => {
  test.setTimeout(180_000);
  const tag = `${process.pid}-${Date.now()}`;
  // A server answering a mistyped path with 200 and an HTML page.
  const html = `data/html-${tag}.fvx`;
  writeFileSync(`.cache/site/${html}`, "<!doctype html>\n<html><body>Not here</body></html>\n");
  const missing = `data/missing-${tag}.fvx`;
  try {
    await page.goto(`/?url=${html}`);
    const banner = page.getByTestId("error-banner");
    await expect(banner).toContainText("not an .fvx file (server returned HTML", { timeout: 30_000 });
    await expect(banner).not.toContainText("bad magic");

    await page.goto(`/?url=${missing}`);
    await expect(banner).toContainText(`HTTP 404 Not Found at ${new URL(missing, page.url()).href}`, {
      timeout: 30_000,
    });
    await expect(banner).not.toContainText(/offline/i);
    await expect(page.getByTestId("online-indicator")).toContainText("online");
    // The file appears; Retry opens it without a reload.
    copyFileSync(".cache/site/data/gray-scott.fvx", `.cache/site/${missing}`);
    await banner.getByRole("button", { name: "Retry" }).click();
    await page.waitForFunction(() => (window as unknown as W).__flatvox?.isReady === true, null, {
      timeout: 60_000,
    });
    await expect(banner).toHaveCount(0);

    // Another origin answering 404 without CORS headers: the browser hides the status, not the server.
    const server = createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const foreign = `http://127.0.0.1:${port}/run/missing.fvx`;
      await page.goto(`/?url=${encodeURIComponent(foreign)}`);
      await expect(banner).toContainText("CORS", { timeout: 60_000 });
      await expect(banner).toContainText(`127.0.0.1:${port}`);
      await expect(banner).not.toContainText(/offline and not cached/i);
      await expect(banner.getByRole("button", { name: "Retry" })).toBeVisible();
    } finally {
      server.close();
    }
  } finally {
    rmSync(`.cache/site/${html}`, { force: true });
    rmSync(`.cache/site/${missing}`, { force: true });
  }
});

test("the frame left on screen at rest is drawn at full resolution", async ({ page }) => {
  test.setTimeout(180_000);
  await open(page, `url=${SCALAR}`);
  const full = () =>
    page.evaluate(() => {
      const c = (window as unknown as W).__flatvox.engine().viewport.renderer.domElement;
      const want = Math.floor(c.clientWidth * Math.min(window.devicePixelRatio || 1, 1.5));
      return { buffer: c.width, want };
    });
  await expect.poll(async () => (await full()).buffer - (await full()).want, { timeout: 15_000 }).toBe(0);
  // It stays sharp: nothing lowers it again while nothing moves.
  await page.waitForTimeout(2000);
  const r = await full();
  expect(r.buffer).toBe(r.want);
});

test("playback runs on a fixed clock, and play at the last step with loop off starts over", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await open(page, `url=${SCALAR}`, 0.25);
  const speed = 1;
  const steps = await page.evaluate(async (sp) => {
    const h = (window as unknown as W).__flatvox;
    const times: number[] = [];
    let last = h.state().t;
    // Let the first steps warm the prefetch, then measure.
    h.setPlayback({ speed: sp, loop: true, playing: true });
    const t0 = performance.now();
    await new Promise<void>((done) => {
      const tick = () => {
        const t = h.state().t;
        if (t !== last) {
          last = t;
          times.push(performance.now());
        }
        if (performance.now() - t0 > 13_000) done();
        else requestAnimationFrame(tick);
      };
      tick();
    });
    h.setPlayback({ playing: false });
    return times;
  }, speed);
  const measured = steps.slice(2);
  expect(measured.length).toBeGreaterThan(8);
  // The period is the slope of step time over step number (least squares): one late step does not skew it.
  const n = measured.length;
  const mx = (n - 1) / 2;
  const my = measured.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  measured.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
  });
  const rate = 1000 / (sxy / sxx);
  expect(Math.abs(rate - speed) / speed, `achieved ${rate.toFixed(3)} steps/s`).toBeLessThan(0.05);

  const last = await page.evaluate(() => (window as unknown as W).__flatvox.engine().info.times.length - 1);
  await page.evaluate((t) => (window as unknown as W).__flatvox.setState({ t }), last);
  await idle(page);
  await page.evaluate(() => (window as unknown as W).__flatvox.setPlayback({ loop: false }));
  await page.getByTestId("play-button").click();
  await expect
    .poll(() => page.evaluate(() => (window as unknown as W).__flatvox.state().t))
    .toBeGreaterThan(0);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as W).__flatvox.state().t))
    .toBeLessThan(last);
});

test("a feature query says when the limit cut the result", async ({ page }) => {
  const url = placeDataset("gray-scott-48-features.fvx", ["scalar", "--size", "48", "--steps", "6"]);
  await open(page, `url=${url}`, 0.35);
  const panel = page.getByTestId("features-panel");
  await panel.getByTestId("feature-scope").selectOption("all");
  await panel.getByLabel("limit", { exact: true }).fill("");
  await panel.getByTestId("feature-run").click();
  await expect(panel.getByTestId("feature-count")).toHaveText(/^\d+ features$/);
  const total = Number((await panel.getByTestId("feature-count").textContent())!.split(" ")[0]);
  expect(total).toBeGreaterThan(3);
  await expect(panel.getByTestId("feature-item")).toHaveCount(Math.min(total, 500));
  await panel.getByLabel("limit", { exact: true }).fill("3");
  await panel.getByTestId("feature-run").click();
  await expect(panel.getByTestId("feature-count")).toHaveText("first 3 features (limit 3); more match");
  await expect(panel.getByTestId("feature-item")).toHaveCount(3);
  await panel.getByLabel("limit", { exact: true }).fill(String(total));
  await panel.getByTestId("feature-run").click();
  await expect(panel.getByTestId("feature-count")).toHaveText(`${total} features`);
});

for (const size of [
  { width: 760, height: 1000 },
  { width: 1600, height: 560 },
]) {
  test(`a non-cubic grid is framed whole in a ${size.width}×${size.height} window`, async ({ page }) => {
    test.setTimeout(180_000);
    const url = placeDataset("material-slab.fvx", ["material", "--dims", "160,48,24", "--steps", "2"]);
    await page.setViewportSize(size);
    await open(page, `url=${url}`, 0.35);
    const ndc = await page.evaluate(() => {
      const e = (window as unknown as W).__flatvox.engine();
      const { dims, origin, spacing } = e.info;
      const cam = e.viewport.camera;
      cam.updateMatrixWorld();
      const V = cam.matrixWorldInverse.elements;
      const P = cam.projectionMatrix.elements;
      const mul = (m: number[], v: number[]) =>
        [0, 1, 2, 3].map((r) => m[r] * v[0] + m[4 + r] * v[1] + m[8 + r] * v[2] + m[12 + r] * v[3]);
      const out: number[][] = [];
      for (let c = 0; c < 8; c++) {
        const p = [0, 1, 2].map((i) => origin[i] + ((c >> i) & 1 ? dims[i] * spacing[i] : 0));
        const q = mul(P, mul(V, [...p, 1]));
        out.push([q[0] / q[3], q[1] / q[3]]);
      }
      return out;
    });
    for (const [x, y] of ndc) {
      expect(Math.abs(x)).toBeLessThanOrEqual(1);
      expect(Math.abs(y)).toBeLessThanOrEqual(1);
    }
    // Not tiny either: the box spans most of the canvas along one axis.
    const spanX = Math.max(...ndc.map((p) => p[0])) - Math.min(...ndc.map((p) => p[0]));
    const spanY = Math.max(...ndc.map((p) => p[1])) - Math.min(...ndc.map((p) => p[1]));
    expect(Math.max(spanX, spanY)).toBeGreaterThan(1.2);
  });
}
