/**
 * Colour you can trust, in real Chromium: the histogram behind the transfer
 * function equals the reader's region-stats histogram for the same query
 * (computed here in Node, from the file); the colorbar's ticks sit where the
 * window puts their values; a log scale moves every pixel to the position its
 * value's logarithm has in the window; categorical legend and palette edits.
 */
import { expect, type Page, test } from "@playwright/test";
import { openDataset } from "../../src/reader";
import { decodePng } from "../helpers/png";
import { openViewer } from "../helpers/viewer-page";

const SCALAR = "data/gray-scott.fvx";
const MATERIAL = "data/material-world.fvx";
const SITE = ".cache/site";

type Hook = {
  ready: Promise<void>;
  info(): { fields: { name: string; units: string; kind: string }[] };
  state(): { field: string; window?: [number, number]; hidden: number[] };
  setState(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  whenIdle(): Promise<unknown>;
  engine(): { fieldRange(): [number, number] | undefined; materialsSeen: Set<number> };
};
type W = { __flatvox: Hook };

const setState = (page: Page, p: Record<string, unknown>) =>
  page.evaluate(async (patch) => {
    const h = (window as unknown as W).__flatvox;
    h.setState(patch);
    await h.whenIdle();
  }, p);

interface Query {
  field: string;
  t: number;
  level: number;
  box: { min: [number, number, number]; max: [number, number, number] };
  bins: number;
  range: [number, number];
}

async function shownHistogram(page: Page, range?: [number, number]): Promise<{ q: Query; bins: number[] }> {
  const el = page.getByTestId("tf-histogram");
  await expect
    .poll(async () => {
      const q = await el.getAttribute("data-query");
      const b = await el.getAttribute("data-bins");
      if (!q || !b) return false;
      const parsed = JSON.parse(q) as Query;
      return !range || (parsed.range[0] === range[0] && parsed.range[1] === range[1]);
    })
    .toBe(true);
  const q = JSON.parse((await el.getAttribute("data-query"))!) as Query;
  const bins = (await el.getAttribute("data-bins"))!.split(",").map(Number);
  return { q, bins };
}

test("the histogram behind the transfer function equals ds.stats for its query, at a coarse level", async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openViewer(page, `url=${SCALAR}&t=3`);
  const range = (await page.evaluate(() => (window as unknown as W).__flatvox.engine().fieldRange()))!;
  const ds = await openDataset(`${SITE}/${SCALAR}`, { workers: false });
  try {
    for (const win of [
      undefined,
      [range[0] + (range[1] - range[0]) * 0.2, range[1] * 0.8] as [number, number],
    ]) {
      if (win) await setState(page, { window: win });
      const { q, bins } = await shownHistogram(page, win ?? range);
      expect(q.t).toBe(3);
      expect(q.range).toEqual(win ?? range);
      const level = ds.info.levels[q.level];
      // Not a full read: the whole domain at a level of at most 8 bricks.
      expect(level.bricks[0] * level.bricks[1] * level.bricks[2]).toBeLessThanOrEqual(8);
      expect(q.box.max).toEqual(level.dims);
      const ref = await ds.stats({
        field: q.field,
        t: q.t,
        level: q.level,
        box: q.box,
        bins: q.bins,
        range: q.range,
      });
      expect(bins).toEqual(Array.from(ref.histogram!));
      expect(bins.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }
    // Another timestep: another histogram, still the reader's.
    await setState(page, { t: 10, window: undefined });
    const { q, bins } = await shownHistogram(page, range);
    expect(q.t).toBe(10);
    const ref = await ds.stats({
      field: q.field,
      t: 10,
      level: q.level,
      box: q.box,
      bins: q.bins,
      range: q.range,
    });
    expect(bins).toEqual(Array.from(ref.histogram!));
  } finally {
    await ds.source.close?.();
  }
});

async function ticks(page: Page) {
  await expect(page.getByTestId("colorbar-tick").first()).toBeVisible();
  const bar = (await page.locator(".cb-bar").boundingBox())!;
  const out: { value: number; pos: number; x: number }[] = [];
  for (const t of await page.getByTestId("colorbar-tick").all()) {
    const b = (await t.boundingBox())!;
    out.push({
      value: Number(await t.getAttribute("data-value")),
      pos: Number(await t.getAttribute("data-pos")),
      // The tick mark is the label's centre.
      x: (b.x + b.width / 2 - bar.x) / bar.width,
    });
  }
  return out;
}

test("the colorbar names the field and its units, and its ticks sit where the window puts them", async ({
  page,
}) => {
  await openViewer(page, `url=${SCALAR}`);
  const info = await page.evaluate(() => (window as unknown as W).__flatvox.info());
  const field = info.fields.find((f) => f.kind === "scalar")!;
  const bar = page.getByTestId("colorbar");
  await expect(bar).toContainText(field.name);
  if (field.units) await expect(bar).toContainText(field.units);

  await setState(page, { window: [0.1, 0.35] });
  let ts = await ticks(page);
  expect(ts.map((t) => t.value)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
  for (const t of ts) {
    expect(t.pos).toBeCloseTo((t.value - 0.1) / 0.25, 9);
    expect(Math.abs(t.x - t.pos)).toBeLessThan(0.01);
  }

  // Log: decades, placed by their logarithm.
  await setState(page, { window: [0.001, 1], scale: "log" });
  await expect(bar).toContainText("log");
  ts = await ticks(page);
  expect(ts.map((t) => t.value)).toEqual([0.001, 0.01, 0.1, 1]);
  for (const t of ts) {
    expect(t.pos).toBeCloseTo(Math.log10(t.value / 0.001) / 3, 9);
    expect(Math.abs(t.x - t.pos)).toBeLessThan(0.01);
  }
});

/** Canvas pixels (RGBA) as the page shows them, without the overlays drawn over it. */
async function canvasPixels(page: Page) {
  const style = await page.addStyleTag({
    content: ".nav-overlay, .color-key, .view-tools { visibility: hidden !important; }",
  });
  const png = decodePng(await page.getByTestId("viewer-canvas").screenshot());
  await style.evaluate((e) => (e as Element).remove());
  return png;
}

test("log and symlog scales move each pixel to where its value's transform lies in the window", async ({
  page,
}) => {
  // A small canvas at one drawing-buffer pixel per CSS pixel: no upscaling mixes neighbours.
  await page.setViewportSize({ width: 900, height: 560 });
  await openViewer(page, `url=${SCALAR}&t=12`);
  const range = (await page.evaluate(() => (window as unknown as W).__flatvox.engine().fieldRange()))!;
  const lo = range[0] + (range[1] - range[0]) * 0.05;
  const hi = range[1];
  expect(lo).toBeGreaterThan(0);
  await page.evaluate(() => (window as unknown as W).__flatvox.setResolution(1));
  // Maximum intensity through a linear grey ramp, fully opaque: each pixel's grey is its ray's maximum's position.
  const base = {
    mode: "mip",
    colormap: "grey",
    invert: false,
    ramp: [
      [0, 1],
      [1, 1],
    ],
    window: [lo, hi],
  };
  await setState(page, { ...base, scale: "linear" });
  const lin = await canvasPixels(page);
  await setState(page, { ...base, scale: "log" });
  const log = await canvasPixels(page);
  expect(log.width).toBe(lin.width);
  const linthresh = (hi - lo) / 50;
  await setState(page, { ...base, scale: "symlog", linthresh });
  const sym = await canvasPixels(page);

  const grey = (im: typeof lin, i: number) => {
    const [r, g, b] = [im.rgba[i], im.rgba[i + 1], im.rgba[i + 2]];
    return Math.abs(r - g) <= 1 && Math.abs(r - b) <= 1 ? g : undefined;
  };
  const s = (v: number) => Math.log10(1 + v / linthresh);
  const scales = [
    { name: "log", image: log, pos: (v: number) => Math.log(v / lo) / Math.log(hi / lo) },
    { name: "symlog", image: sym, pos: (v: number) => (s(v) - s(lo)) / (s(hi) - s(lo)) },
  ];
  for (const { name, image, pos } of scales) {
    let checked = 0;
    let bad = 0;
    let moved = 0;
    for (let i = 0; i < lin.rgba.length; i += 4) {
      const a = grey(lin, i);
      const b = grey(image, i);
      if (a === undefined || a < 3) continue;
      checked++;
      // A linearly filtered 256-texel table maps window position x to grey 256·x − ½ (clamped):
      // the value this linear grey stands for (±half a level), and the grey the scale gives it.
      const v0 = lo + (Math.max(0, a - 0.5 + 0.5) / 256) * (hi - lo);
      const v1 = lo + (Math.min(256, a + 0.5 + 0.5) / 256) * (hi - lo);
      const e0 = 256 * pos(v0) - 0.5;
      const e1 = 256 * pos(v1) - 0.5;
      if (b === undefined || b < e0 - 2.5 || b > e1 + 2.5) bad++;
      if (b !== undefined && Math.abs(b - a) > 8) moved++;
    }
    expect(checked).toBeGreaterThan(2000);
    // Half floats and texture filtering: a handful of pixels may land one step off.
    expect(bad / checked, `${name}: ${bad} of ${checked} pixels off`).toBeLessThan(0.01);
    // And the scale did change the picture: low values brightened.
    expect(moved / checked).toBeGreaterThan(0.3);
  }
});

test("inverting the colormap changes the pixels; the categorical legend toggles materials and shows edited colours", async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openViewer(page, `url=${SCALAR}`);
  const before = await canvasPixels(page);
  await page.getByTestId("invert-colormap").check();
  await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
  const after = await canvasPixels(page);
  let differ = 0;
  for (let i = 0; i < before.rgba.length; i++) if (Math.abs(before.rgba[i] - after.rgba[i]) > 10) differ++;
  expect(differ).toBeGreaterThan(before.rgba.length / 50);
  expect(page.url()).toContain("inv=1");

  await openViewer(page, `url=${MATERIAL}`);
  const legend = page.getByTestId("legend");
  await expect(legend).toBeVisible();
  const entries = page.getByTestId("legend-entry");
  expect(await entries.count()).toBeGreaterThan(1);
  // Swatches stand out from the dark background: outlined in a light colour.
  const outline = await page
    .locator(".legend-entry .swatch")
    .first()
    .evaluate((e) => getComputedStyle(e).outlineColor);
  expect(outline).toBe("rgb(232, 232, 232)");
  // Hide materials one by one until one that shows on screen disappears from it (the first may be air).
  const shown = await canvasPixels(page);
  let visible = -1;
  for (let k = 0; k < Math.min(4, await entries.count()) && visible < 0; k++) {
    const entry = entries.nth(k);
    const value = Number(await entry.getAttribute("data-value"));
    await entry.click();
    await expect(entry).toHaveAttribute("aria-pressed", "false");
    expect(await page.evaluate(() => (window as unknown as W).__flatvox.state().hidden)).toContain(value);
    await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
    const hidden = await canvasPixels(page);
    let changed = 0;
    for (let i = 0; i < shown.rgba.length; i++) if (shown.rgba[i] !== hidden.rgba[i]) changed++;
    if (changed > shown.rgba.length / 400) visible = k;
    await entry.click();
    await expect(entry).toHaveAttribute("aria-pressed", "true");
  }
  expect(visible, "hiding one of the first materials changes the picture").toBeGreaterThanOrEqual(0);
  const first = entries.nth(visible);

  // Palette editing: the colour input recolours the legend and the link keeps it.
  const input = page.getByTestId("material-color").nth(visible);
  await input.fill("#ff00ff");
  await expect(first.locator(".swatch")).toHaveCSS("background-color", "rgb(255, 0, 255)");
  await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
  const recoloured = await canvasPixels(page);
  let magenta = 0;
  for (let i = 0; i < recoloured.rgba.length; i += 4) {
    const [r, g, b] = [recoloured.rgba[i], recoloured.rgba[i + 1], recoloured.rgba[i + 2]];
    if (r > 2 * g + 20 && b > 2 * g + 20) magenta++;
  }
  expect(magenta).toBeGreaterThan(50);
  await expect.poll(() => page.url()).toMatch(/pal=[^&]*ff00ff/);
});
