import { expect, type Page, test } from "@playwright/test";
import { openDataset } from "../../src/reader";
import type { Vec3 } from "../../src/shared/types";
import { type ColormapName, colormapAt } from "../../src/viewer/render/colormaps";
import { PANES, type PaneAxes, sliceBox, sliceBricks } from "../../src/viewer/slices/slice-geometry";
import { histogramLevel } from "../../src/viewer/ui/histogram";
import { placeDataset } from "../helpers/place-dataset";
import { openViewer } from "../helpers/viewer-page";

type Hook = {
  ready: Promise<void>;
  state(): { t: number; colormap: string; slice?: number[]; selection?: number[]; layers: unknown[] };
  setState(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  pickAt(x: number, y: number): Promise<{ value?: number } | undefined>;
  picked(): { value?: number; ijk: number[]; level: number; exact: boolean; field: string } | undefined;
  whenIdle(): Promise<unknown>;
  stats(): { bytes: number } | undefined;
  shareUrl(): string;
  engine(): { fieldRange(name?: string): [number, number] | undefined; state: { window?: [number, number] } };
};
type W = { __flatvox: Hook };

const SITE = ".cache/site";

/** Wait until a pane shows `field|t|index`. */
async function paneReady(page: Page, pane: string, key: string): Promise<void> {
  const el = page.getByTestId(`slice-pane-${pane}`);
  await expect(el).toHaveAttribute("data-key", key);
  await expect(el).toHaveAttribute("data-state", "ready");
}

/** The pane canvas's own pixels (one per voxel, v up), RGBA. */
async function panePixels(page: Page, pane: string): Promise<{ w: number; h: number; rgba: number[] }> {
  return page.evaluate((name) => {
    const c = document.querySelector(`[data-testid="slice-canvas-${name}"]`) as HTMLCanvasElement;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
    return { w: c.width, h: c.height, rgba: Array.from(d.data) };
  }, pane);
}

/** The dataset's slice through the colormap, as the pane should show it (RGB, v up). */
async function expectedSlice(
  file: string,
  field: string,
  t: number,
  pane: PaneAxes,
  index: number,
  cm: ColormapName,
  win: [number, number],
): Promise<{ w: number; h: number; rgb: number[]; distinct: number }> {
  const ds = await openDataset(file);
  const dims = ds.info.dims as Vec3;
  const values = await ds.readRegion({ field, t, box: sliceBox(dims, pane, index) });
  await ds.source.close?.();
  const w = dims[pane.u];
  const h = dims[pane.v];
  const rgb: number[] = new Array(w * h * 3);
  const seen = new Set<string>();
  for (let iv = 0; iv < h; iv++)
    for (let iu = 0; iu < w; iu++) {
      const x = (Number(values[iu + w * iv]) - win[0]) / (win[1] - win[0]);
      const c = colormapAt(cm, x);
      seen.add(c.join());
      rgb.splice(((h - 1 - iv) * w + iu) * 3, 3, ...c);
    }
  return { w, h, rgb, distinct: seen.size };
}

async function comparePane(
  page: Page,
  file: string,
  field: string,
  t: number,
  pane: PaneAxes,
  index: number,
) {
  const { colormap, win } = await page.evaluate(() => {
    const h = (window as unknown as W).__flatvox;
    const e = h.engine();
    return { colormap: h.state().colormap, win: e.state.window ?? e.fieldRange()! };
  });
  const want = await expectedSlice(file, field, t, pane, index, colormap as ColormapName, win);
  const got = await panePixels(page, pane.name);
  expect([got.w, got.h]).toEqual([want.w, want.h]);
  // A real image, not a flat colour: the comparison means something.
  expect(want.distinct).toBeGreaterThan(20);
  let worst = 0;
  for (let p = 0; p < want.w * want.h; p++)
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got.rgba[p * 4 + c] - want.rgb[p * 3 + c]));
  // The pane's colormap table has 1024 entries: at most a step or two off the exact colour.
  expect(worst).toBeLessThanOrEqual(2);
  return got;
}

test("slice panes show readRegion of their slice through the colormap and window", async ({ page }) => {
  await openViewer(page, "url=data/gray-scott.fvx&t=3&layout=slices&slice=40,70,90&win=0.05,0.4&cm=magma");
  const pos = [40, 70, 90];
  for (const p of PANES) {
    await paneReady(page, p.name, `v|3|${pos[p.normal]}`);
    await comparePane(page, `${SITE}/data/gray-scott.fvx`, "v", 3, p, pos[p.normal]);
  }
  // World axes with units are drawn, and the layout and position are in the link.
  await expect(page.getByTestId("slice-pane-XY").locator("svg text").first()).toBeVisible();
  const share = await page.evaluate(() => (window as unknown as W).__flatvox.shareUrl());
  expect(share).toContain("layout=slices");
  expect(share).toContain("slice=40%2C70%2C90");
});

test("stepping by keys, wheel and the index box changes the slice index and the image", async ({ page }) => {
  await openViewer(page, "url=data/gray-scott.fvx&t=2&layout=slices&slice=64,64,60");
  const xy = PANES[0];
  await paneReady(page, "XY", "v|2|60");
  const before = await panePixels(page, "XY");
  const pane = page.getByTestId("slice-slider-XY");
  await pane.focus();
  await page.keyboard.press("ArrowUp");
  await paneReady(page, "XY", "v|2|61");
  await page.keyboard.press("PageDown");
  await paneReady(page, "XY", "v|2|51");
  await page.getByTestId("slice-canvas-XY").hover();
  await page.mouse.wheel(0, -100);
  await paneReady(page, "XY", "v|2|52");
  await page.getByTestId("slice-index-XY").fill("20");
  await paneReady(page, "XY", "v|2|20");
  const slice = await page.evaluate(() => (window as unknown as W).__flatvox.state().slice);
  expect(slice).toEqual([64, 64, 20]);
  // The other panes' crosshair moved, their own index did not.
  await expect(page.getByTestId("slice-index-XZ")).toHaveValue("64");
  const after = await comparePane(page, `${SITE}/data/gray-scott.fvx`, "v", 2, xy, 20);
  expect(after.rgba).not.toEqual(before.rgba);
});

test("a click in a slice pane selects the same voxel and value as a pick in 3D", async ({ page }) => {
  await openViewer(page, "url=data/gray-scott.fvx&t=4&layout=2x2");
  await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  const hit = await page.evaluate(
    async ([w, h]) => {
      for (let fy = 0.3; fy < 0.8; fy += 0.05)
        for (let fx = 0.3; fx < 0.8; fx += 0.05)
          if (await (window as unknown as W).__flatvox.pickAt(fx * w, fy * h)) return true;
      return false;
    },
    [box.width, box.height],
  );
  expect(hit).toBe(true);
  await expect.poll(() => page.evaluate(() => (window as unknown as W).__flatvox.picked()?.exact)).toBe(true);
  const in3d = (await page.evaluate(() => (window as unknown as W).__flatvox.picked()))!;
  const ijk = in3d.ijk;
  // Select another voxel, put the XZ slice through the picked one and click it there.
  await page.evaluate(
    (p) => (window as unknown as W).__flatvox.setState({ selection: [0, 0, 0], slice: p }),
    [0, ijk[1], 0],
  );
  await paneReady(page, "XZ", `v|4|${ijk[1]}`);
  expect((await page.evaluate(() => (window as unknown as W).__flatvox.picked()))?.ijk).toEqual([0, 0, 0]);
  const cv = (await page.getByTestId("slice-canvas-XZ").boundingBox())!;
  const dims = [128, 128, 128];
  await page.mouse.click(
    cv.x + ((ijk[0] + 0.5) / dims[0]) * cv.width,
    cv.y + ((dims[2] - 1 - ijk[2] + 0.5) / dims[2]) * cv.height,
  );
  await expect.poll(() => page.evaluate(() => (window as unknown as W).__flatvox.picked()?.exact)).toBe(true);
  const in2d = (await page.evaluate(() => (window as unknown as W).__flatvox.picked()))!;
  expect(in2d.ijk).toEqual(ijk);
  expect(in2d.value).toBe(in3d.value);
  await expect(page.getByTestId("pick-ijk")).toHaveText(ijk.join(", "));
  // The other panes moved to the clicked voxel.
  const slice = await page.evaluate(() => (window as unknown as W).__flatvox.state().slice);
  expect(slice).toEqual(ijk);
  const ds = await openDataset(`${SITE}/data/gray-scott.fvx`);
  expect(in2d.value).toBe(await ds.sample({ field: "v", t: 4, point: ijk as Vec3 }));
});

test("a slice of the 256³ grid reads one brick layer, not the volume", async ({ page }) => {
  test.setTimeout(300_000);
  const url = placeDataset("gray-scott-256.fvx", ["scalar", "--size", "256", "--steps", "2"]);
  const file = `${SITE}/${url}`;
  const ds = await openDataset(file);
  const info = ds.info;
  const field = info.fields[0].name;
  let volume = 0;
  const nb = info.levels[0].bricks;
  for (let z = 0; z < nb[2]; z++)
    for (let y = 0; y < nb[1]; y++)
      for (let x = 0; x < nb[0]; x++) volume += (await ds.brickEntry(field, 1, 0, [x, y, z])).length;
  await openViewer(page, `url=${url}&t=1&layout=slices&slice=100,150,200`);
  const pos = [100, 150, 200];
  for (const p of PANES) {
    await paneReady(page, p.name, `${field}|1|${pos[p.normal]}`);
    const bricks = sliceBricks({ dims: info.dims as Vec3, brickSize: info.brickSize }, p, pos[p.normal]);
    let layer = 0;
    for (const b of bricks) layer += (await ds.brickEntry(field, 1, 0, b)).length;
    const cost = page.getByTestId(`slice-bytes-${p.name}`).locator("span");
    const stored = Number(await cost.getAttribute("data-stored-bytes"));
    expect(Number(await cost.getAttribute("data-bricks"))).toBe(16);
    expect(stored).toBe(layer);
    // One layer of 4: about a quarter of the volume, never the volume.
    expect(stored).toBeLessThan(0.4 * volume);
    console.log(
      `slice ${p.name}@${pos[p.normal]}: ${bricks.length} bricks, stored ${stored} B (volume ${volume} B)`,
    );
  }
  // A step into another brick layer, read alone: what goes over the wire is that layer's bricks
  // (less those the other panes' layers already brought: orthogonal layers share bricks).
  await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
  const grid = { dims: info.dims as Vec3, brickSize: info.brickSize };
  const read = new Set<string>();
  for (const p of PANES) for (const b of sliceBricks(grid, p, pos[p.normal])) read.add(b.join());
  for (const [pane, index] of [
    ["XY", 10],
    ["YZ", 230],
  ] as const) {
    await page.getByTestId(`slice-index-${pane}`).fill(String(index));
    await paneReady(page, pane, `${field}|1|${index}`);
    const p = PANES.find((q) => q.name === pane)!;
    let layer = 0;
    let fresh = 0;
    for (const b of sliceBricks(grid, p, index)) {
      const n = (await ds.brickEntry(field, 1, 0, b)).length;
      layer += n;
      if (!read.has(b.join())) fresh += n;
      read.add(b.join());
    }
    const cost = page.getByTestId(`slice-bytes-${pane}`).locator("span");
    const fetched = Number(await cost.getAttribute("data-fetched-bytes"));
    const requests = Number(await cost.getAttribute("data-fetched-requests"));
    console.log(
      `step ${pane}→${index}: fetched ${fetched} B in ${requests} requests; layer stores ${layer} B, ${fresh} B of it not read before`,
    );
    expect(fetched).toBeGreaterThanOrEqual(fresh);
    // The new bricks plus at most a little index: never another layer's worth.
    expect(fetched).toBeLessThan(fresh + 128 * 1024);
    expect(requests).toBeLessThanOrEqual(16);
  }
  // The histogram behind the transfer function reads one coarse level of this step (src/viewer/ui/histogram.ts).
  const hl = histogramLevel(info as unknown as Parameters<typeof histogramLevel>[0]);
  const hb = info.levels.find((l) => l.level === hl)!.bricks;
  let histogram = 0;
  for (let z = 0; z < hb[2]; z++)
    for (let y = 0; y < hb[1]; y++)
      for (let x = 0; x < hb[0]; x++) histogram += (await ds.brickEntry(field, 1, hl, [x, y, z])).length;
  // Everything else the page fetched (3D at its coarsest, hidden + three slices) stays well under the volume.
  const total = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .filter((r) => r.name.includes("gray-scott-256"))
      .reduce((n, r) => n + (r as PerformanceResourceTiming).encodedBodySize, 0),
  );
  // The page's own fetches miss what the backend worker fetched; its transport counters see those.
  const counted = await page.evaluate(() => (window as unknown as W).__flatvox.stats()!.bytes);
  console.log(
    `page total for the 256³ file: ${total} B page-fetched, ${counted} B counted by the transport, of which the histogram level ${histogram} B`,
  );
  expect(counted).toBeGreaterThan(0);
  expect(total - histogram).toBeLessThan(0.9 * volume);
  expect(counted - histogram).toBeLessThan(0.9 * volume);
});

test("a two-layer slice differs from each single layer; hiding the layer restores the single-layer image", async ({
  page,
}) => {
  test.setTimeout(240_000);
  const url = placeDataset("gray-scott-48-uv.fvx", [
    "scalar",
    "--size",
    "48",
    "--steps",
    "2",
    "--fields",
    "u,v",
  ]);
  await openViewer(page, `url=${url}&t=1&field=v&cm=viridis&layout=slices&slice=20,24,28`);
  await paneReady(page, "XY", "v|1|28");
  const onlyV = (await panePixels(page, "XY")).rgba;
  const set = (p: Record<string, unknown>) =>
    page.evaluate((q) => (window as unknown as W).__flatvox.setState(q), p);
  await set({ field: "u", colormap: "magma" });
  await paneReady(page, "XY", "u|1|28");
  const onlyU = (await panePixels(page, "XY")).rgba;
  await set({
    field: "v",
    colormap: "viridis",
    layers: [{ field: "u", colormap: "magma", opacity: 0.5, visible: true }],
  });
  await paneReady(page, "XY", "v|1|28");
  let both: number[] = onlyV;
  await expect
    .poll(async () => {
      both = (await panePixels(page, "XY")).rgba;
      return both.some((v, i) => v !== onlyV[i]);
    })
    .toBe(true);
  const differ = (a: number[], b: number[]) => {
    let n = 0;
    for (let i = 0; i < a.length; i += 4)
      if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 6) n++;
    return n / (a.length / 4);
  };
  expect(differ(both, onlyV)).toBeGreaterThan(0.5);
  expect(differ(both, onlyU)).toBeGreaterThan(0.5);
  // Each pixel is the upper layer at half opacity over the lower one.
  let worst = 0;
  for (let i = 0; i < both.length; i++)
    if (i % 4 !== 3) worst = Math.max(worst, Math.abs(both[i] - (onlyV[i] + onlyU[i]) / 2));
  expect(worst).toBeLessThanOrEqual(1);
  // Hide the layer from the panel: the image is the base layer's again.
  await page.getByTestId("layer-visible-0").uncheck();
  await expect.poll(async () => differ((await panePixels(page, "XY")).rgba, onlyV)).toBe(0);
  expect((await panePixels(page, "XY")).rgba).toEqual(onlyV);
  expect(await page.evaluate(() => (window as unknown as W).__flatvox.shareUrl())).toContain(
    "layers=u%3Amagma%3A0.5%3Aoff",
  );
});
