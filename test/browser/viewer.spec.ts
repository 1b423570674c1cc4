/**
 * The viewer end to end in real Chromium (SwiftShader WebGL2) against the demo
 * datasets served with Range support. Tests wait on the app's test hook
 * ((window as unknown as W).__flatvox) for "frame complete" instead of sleeping.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { placeDataset } from "../helpers/place-dataset";
import { openViewer } from "../helpers/viewer-page";

const SCALAR = "data/gray-scott.fvx";
const MATERIAL = "data/material-world.fvx";

interface Snap {
  width: number;
  height: number;
  coverage: number;
  mean: [number, number, number];
  hash: string;
}

type Hook = {
  ready: Promise<void>;
  info(): { dims: number[]; fields: { name: string }[]; times: number[] };
  state(): Record<string, unknown> & {
    t: number;
    colormap: string;
    camera: { position: number[]; target: number[] };
  };
  setState(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  pickAt(x: number, y: number): Promise<{ value?: number; exact: boolean } | undefined>;
  picked(): { value?: number; ijk: number[]; level: number; exact: boolean } | undefined;
  whenIdle(): Promise<unknown>;
  snapshot(): Snap;
  shareUrl(): string;
  stats(): {
    shownT: number;
    complete: boolean;
    gpuBytes: number;
    gpuBudget: number;
    core: string;
    selected: number;
  };
  isReady: boolean;
  engine(): { ds: { sample(field: string, t: number, ijk: number[]): Promise<number> } };
  error?: string;
};

/** The page's test hook (typed here; other specs type their own view of it). */
type W = { __flatvox: Hook };

const snapshot = (page: Page) => page.evaluate(() => (window as unknown as W).__flatvox.snapshot());
const idle = (page: Page) => page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());

/** A canvas point whose pick hits data (scanning a grid through the test hook). */
async function findDataPixel(page: Page): Promise<[number, number]> {
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  const hit = await page.evaluate(
    async ([w, h]) => {
      for (let fy = 0.5; fy < 0.9; fy += 0.04)
        for (let fx = 0.2; fx < 0.8; fx += 0.04) {
          const r = await (window as unknown as W).__flatvox.pickAt(fx * w, fy * h);
          if (r) return [fx * w, fy * h];
        }
      return undefined;
    },
    [box.width, box.height],
  );
  expect(hit, "some pixel of the canvas should hit data").toBeTruthy();
  return hit as [number, number];
}

test("opens a demo dataset from the catalog and shows its header", async ({ page }) => {
  await page.goto("/");
  const entry = page.getByTestId("catalog-entry").filter({ hasText: "gray-scott" });
  await expect(entry).toBeVisible();
  await entry.click();
  await page.waitForFunction(() => (window as unknown as W).__flatvox?.isReady === true, null, {
    timeout: 60_000,
  });
  const info = await page.evaluate(() => (window as unknown as W).__flatvox.info());
  expect(info.dims.every((d) => d > 0)).toBe(true);
  await expect(page.getByTestId("ds-dims")).toHaveText(`${info.dims[0]} × ${info.dims[1]} × ${info.dims[2]}`);
  for (const f of info.fields) await expect(page.getByTestId("ds-fields")).toContainText(f.name);
  await expect(page.getByTestId("ds-times")).toContainText(String(info.times.length));
  expect(page.url()).toContain("url=data%2Fgray-scott.fvx");
});

test("the catalog searches as you type (typos allowed, filters) and shows each dataset's statistics", async ({
  page,
}) => {
  const catalog = (await (await page.request.get("/data/catalog.json")).json()) as {
    datasets: { url: string; title: string; kind: string; fields: { stats?: { series?: unknown } }[] }[];
  };
  const material = catalog.datasets.find((d) => d.kind === "categorical")!;
  const scalar = catalog.datasets.find((d) => d.kind === "scalar")!;
  expect(material && scalar).toBeTruthy();
  await page.goto("/");
  const entries = page.getByTestId("catalog-entry");
  await expect(entries).toHaveCount(catalog.datasets.length);
  await expect(page.getByTestId("catalog-count")).toHaveText(
    `${catalog.datasets.length} of ${catalog.datasets.length} datasets`,
  );
  // The scalar entry draws its mean per timestep; the categorical one names its materials.
  await expect(entries.filter({ hasText: scalar.title }).locator("svg.sparkline polyline")).toHaveCount(1);
  await expect(entries.filter({ hasText: material.title })).toContainText(/\d+ materials; last step /);

  const search = page.getByTestId("catalog-search");
  await search.fill("materal wrld"); // typos
  await expect(entries).toHaveCount(1);
  await expect(entries.first()).toContainText(material.title);
  await search.fill("copper"); // a material name from the palette
  await expect(entries).toHaveCount(1);
  await expect(entries.first()).toContainText(material.title);
  await search.fill("kind:scalar");
  await expect(entries).toHaveCount(1);
  await expect(entries.first()).toContainText(scalar.title);
  await search.fill("kind:bogus");
  await expect(page.getByTestId("catalog-count")).toContainText("kind must be scalar or categorical");
  await search.fill("zzqxv");
  await expect(entries).toHaveCount(0);
  await search.fill("copper");
  await entries.first().click();
  await page.waitForFunction(() => (window as unknown as W).__flatvox?.isReady === true, null, {
    timeout: 60_000,
  });
  // Catalog URLs are relative to the catalog; the viewer opens them relative to the page.
  expect(page.url()).toContain(`url=${encodeURIComponent(`data/${material.url}`)}`);
});

test("?catalog= lists another catalog: its URLs resolve against it, text stays text, home returns to it", async ({
  page,
}) => {
  const title = 'A lab run <img src=x onerror="window.__pwned=1">';
  // A real file on the served site: the service worker would bypass request interception.
  const runs = `runs-${process.pid}`;
  mkdirSync(`.cache/site/${runs}`, { recursive: true });
  writeFileSync(
    `.cache/site/${runs}/catalog.json`,
    JSON.stringify({ datasets: [{ url: "../data/material-world.fvx", title }, { title: "no url" }] }),
  );
  try {
    await page.goto(`/?catalog=${runs}/catalog.json`);
    const entries = page.getByTestId("catalog-entry");
    await expect(entries).toHaveCount(1);
    await expect(entries.first()).toContainText(title);
    await expect(page.getByTestId("catalog")).toContainText("1 malformed entry");
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await entries.first().click();
    await page.waitForFunction(() => (window as unknown as W).__flatvox?.isReady === true, null, {
      timeout: 60_000,
    });
    expect(page.url()).toContain("url=data%2Fmaterial-world.fvx");
    await page.getByTestId("home").click();
    await expect(entries).toHaveCount(1);
    expect(page.url()).toContain(`catalog=${runs}%2Fcatalog.json`);
    // A catalog that cannot be read says which one.
    await page.goto(`/?catalog=${runs}/missing.json`);
    await expect(page.getByTestId("catalog-error")).toContainText(
      `The catalog ${runs}/missing.json could not be read`,
    );
  } finally {
    rmSync(`.cache/site/${runs}`, { recursive: true, force: true });
  }
});

test("renders data, and a colormap change changes the pixels", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  const before = await snapshot(page);
  expect(before.coverage).toBeGreaterThan(0.01);
  await page.getByTestId("colormap-select").selectOption("magma");
  await idle(page);
  const after = await snapshot(page);
  expect(after.coverage).toBeGreaterThan(0.01);
  expect(after.hash).not.toBe(before.hash);
  const diff = after.mean.reduce((s, v, i) => s + Math.abs(v - before.mean[i]), 0);
  expect(diff).toBeGreaterThan(0.5);
});

test("the time slider changes the image", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  const before = await snapshot(page);
  const slider = page.getByTestId("time-slider");
  await slider.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("time-label")).toContainText("t=5");
  await idle(page);
  const stats = await page.evaluate(() => (window as unknown as W).__flatvox.stats());
  expect(stats.shownT).toBe(5);
  const after = await snapshot(page);
  expect(after.hash).not.toBe(before.hash);
});

test("clicking a voxel shows its value, coordinates and level", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  const [x, y] = await findDataPixel(page);
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  await page.mouse.click(box.x + x, box.y + y);
  await expect(page.getByTestId("pick-value")).toHaveText(/^-?\d/);
  await expect(page.getByTestId("pick-ijk")).toHaveText(/^\d+, \d+, \d+$/);
  await expect(page.getByTestId("pick-level")).toHaveText(/exact|coarse/);
  const picked = await page.evaluate(() => (window as unknown as W).__flatvox.picked());
  expect(picked?.value).toBeGreaterThan(0);
  // Exact once level 0 is in memory, and equal to what the reader returns for that voxel.
  await expect(page.getByTestId("pick-level")).toHaveText(/exact/, { timeout: 30_000 });
  const exact = await page.evaluate(() => (window as unknown as W).__flatvox.picked());
  const fromReader = await page.evaluate(
    (ijk) =>
      (window as unknown as W).__flatvox
        .engine()
        .ds.sample(
          (window as unknown as W).__flatvox.info().fields[0].name,
          (window as unknown as W).__flatvox.state().t,
          ijk,
        ),
    exact!.ijk,
  );
  expect(exact!.value).toBe(fromReader);
  await expect(page).toHaveURL(new RegExp(`sel=${exact!.ijk.join("%2C")}`));
});

test("the URL state reproduces the view", async ({ page, context }) => {
  // Two pages stream the 80 MB demo; on a loaded 2-core machine that takes a while.
  test.setTimeout(240_000);
  await openViewer(page, `url=${SCALAR}`);
  await page.evaluate(() =>
    (window as unknown as W).__flatvox.setState({
      t: 3,
      colormap: "diverging",
      mode: "mip",
      camera: { position: [200, -150, 120], target: [60, 64, 64] },
    }),
  );
  await idle(page);
  const original = await snapshot(page);
  const state = await page.evaluate(() => (window as unknown as W).__flatvox.state());
  const link = await page.evaluate(() => (window as unknown as W).__flatvox.shareUrl());
  const other = await context.newPage();
  await openViewer(other, link.split("?")[1]);
  const restored = await other.evaluate(() => (window as unknown as W).__flatvox.state());
  expect(restored.t).toBe(3);
  expect(restored.colormap).toBe("diverging");
  expect(restored.mode).toBe("mip");
  for (let i = 0; i < 3; i++) expect(restored.camera.position[i]).toBeCloseTo(state.camera.position[i], 2);
  const again = await snapshot(other);
  expect(again.width).toBe(original.width);
  expect(Math.abs(again.coverage - original.coverage)).toBeLessThan(0.01);
  for (let i = 0; i < 3; i++) expect(Math.abs(again.mean[i] - original.mean[i])).toBeLessThan(1.5);
});

test("categorical data draws voxel surfaces with named materials", async ({ page }) => {
  await openViewer(page, `url=${MATERIAL}`);
  const snap = await snapshot(page);
  expect(snap.coverage).toBeGreaterThan(0.05);
  const [x, y] = await findDataPixel(page);
  await page.evaluate(([px, py]) => (window as unknown as W).__flatvox.pickAt(px, py), [x, y]);
  await expect(page.getByTestId("pick-value")).toHaveText(/\d/);
  await expect(page.getByTestId("materials")).toBeVisible();
});

test("a missing dataset shows a readable error", async ({ page }) => {
  await page.goto("/?url=data/does-not-exist.fvx");
  await expect(page.getByTestId("error-banner")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("error-banner")).toContainText(/404|not found/i);
});

test("LOD selection runs in the backend worker's WASM kernels (the core worker's with ?backend=off)", async ({
  page,
}) => {
  await openViewer(page, `url=${SCALAR}`);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as W).__flatvox.stats().core))
    .toBe("backend-worker/wasm-simd");
  const stats = await page.evaluate(() => (window as unknown as W).__flatvox.stats());
  expect(stats.selected).toBeGreaterThan(0);
  await openViewer(page, `url=${SCALAR}&backend=off`);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as W).__flatvox.stats().core))
    .toBe("worker/wasm-simd");
  const off = await page.evaluate(() => (window as unknown as W).__flatvox.stats());
  expect(off.selected).toBeGreaterThan(0);
});

test("a feature query in the UI returns what `flatvox query` returns", async ({ page }) => {
  const url = placeDataset("gray-scott-48-features.fvx", ["scalar", "--size", "48", "--steps", "6"]);
  await openViewer(page, `url=${url}`);
  const panel = page.getByTestId("features-panel");
  await panel.getByTestId("feature-type").fill("spot");
  await panel.getByTestId("feature-prop").first().fill("voxels");
  await panel.getByTestId("feature-op").first().selectOption(">");
  await panel.getByTestId("feature-value").first().fill("20");
  await panel.getByTestId("feature-scope").selectOption("all");
  await panel.getByTestId("feature-run").click();
  await expect(panel.getByTestId("feature-count")).toBeVisible();
  const fromCli = JSON.parse(
    execFileSync(
      "node",
      [
        "bin/flatvox.js",
        "query",
        `.cache/site/${url}`,
        "--where",
        "type=spot",
        "--where",
        "voxels>20",
        "--json",
      ],
      { encoding: "utf8" },
    ),
  ) as { id: number }[];
  expect(fromCli.length).toBeGreaterThan(0);
  await expect(panel.getByTestId("feature-count")).toHaveText(`${fromCli.length} features`);
  const ids = await panel
    .getByTestId("feature-item")
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-id"))));
  expect(ids.sort((a, b) => a - b)).toEqual(fromCli.map((f) => f.id).sort((a, b) => a - b));
  // Clicking a feature focuses it: its timestep is shown and its track is read.
  await panel.getByTestId("feature-item").first().click();
  await expect(panel.getByTestId("feature-track")).toContainText("track #");
});

test("a 512³ dataset larger than the GPU budget renders within it", async ({ page }) => {
  test.setTimeout(900_000);
  const url = placeDataset("material-world-512.fvx", ["material", "--size", "512", "--steps", "2"]);
  const budget = 24;
  await openViewer(page, `url=${url}&gpuMiB=${budget}`);
  const info = await page.evaluate(() => (window as unknown as W).__flatvox.info());
  expect(info.dims).toEqual([512, 512, 512]);
  // Move in close, so the LOD wants more than the budget holds.
  await page.evaluate(() =>
    (window as unknown as W).__flatvox.setState({
      camera: { position: [300, -160, 420], target: [256, 200, 200] },
    }),
  );
  await idle(page);
  const stats = await page.evaluate(() => (window as unknown as W).__flatvox.stats());
  expect(stats.gpuBudget).toBe(budget * 2 ** 20);
  expect(stats.gpuBytes).toBeGreaterThan(0);
  expect(stats.gpuBytes).toBeLessThanOrEqual(stats.gpuBudget);
  const snap = await snapshot(page);
  expect(snap.coverage).toBeGreaterThan(0.05);
});
