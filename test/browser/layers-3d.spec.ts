import { mkdirSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import type { DatasetSpec } from "../../src/writer/pack-types";
import { packDataset } from "../../src/writer/packer";
import { placeDataset } from "../helpers/place-dataset";
import { decodePng } from "../helpers/png";

type Stats = {
  complete: boolean;
  backend: string;
  gpuBytes: number;
  gpuBudget: number;
  layers?: { gpuBytes: number; shown: number; waiting: number };
};
type Hook = {
  ready: Promise<void>;
  setState(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  whenIdle(): Promise<Stats>;
  stats(): Stats;
  shareUrl(): string;
  snapshot(): unknown;
};
type W = { __flatvox: Hook };

const SITE = ".cache/site";

async function openViewer(page: Page, query: string): Promise<void> {
  await page.goto(`/?${query}`);
  await page.waitForFunction(() => (window as unknown as W).__flatvox?.ready !== undefined);
  await page.evaluate(() => (window as unknown as W).__flatvox.ready);
  await page.evaluate(() => {
    (window as unknown as W).__flatvox.setResolution(0.5);
    return (window as unknown as W).__flatvox.whenIdle();
  });
}

async function settle(page: Page, patch?: Record<string, unknown>): Promise<Stats> {
  return page.evaluate(async (p) => {
    const h = (window as unknown as W).__flatvox;
    if (p) h.setState(p);
    await h.whenIdle();
    // Settled: one more complete frame, drawn at rest.
    return h.whenIdle();
  }, patch);
}

/** The 3D canvas as the page shows it, without the overlays drawn over it (RGBA). */
async function canvasPixels(page: Page): Promise<Uint8Array> {
  const style = await page.addStyleTag({
    content: ".nav-overlay, .color-key, .view-tools { visibility: hidden !important; }",
  });
  const png = decodePng(await page.getByTestId("viewer-canvas").screenshot());
  await style.evaluate((e) => (e as Element).remove());
  return png.rgba;
}

/** Median time of a full draw plus read-back (the same read-back for every view compared). */
async function drawMs(page: Page): Promise<number> {
  return page.evaluate(() => {
    const h = (window as unknown as W).__flatvox;
    const ms: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      h.snapshot();
      ms.push(performance.now() - t0);
    }
    return ms.sort((a, b) => a - b)[4];
  });
}

/** Share of pixels whose colour differs by more than `tol` (sum over RGB). */
function differ(a: Uint8Array, b: Uint8Array, tol = 12): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i += 4)
    if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > tol) n++;
  return n / (a.length / 4);
}

for (const backend of ["off", "on"]) {
  test(`3D view (backend ${backend}): a two-layer volume differs from each single layer; hide, opacity and the link`, async ({
    page,
    browser,
  }) => {
    test.setTimeout(300_000);
    await page.setViewportSize({ width: 900, height: 560 });
    const url = placeDataset("gray-scott-48-uv.fvx", [
      "scalar",
      "--size",
      "48",
      "--steps",
      "2",
      "--fields",
      "u,v",
    ]);
    const base = `url=${url}&t=1&backend=${backend}`;
    await openViewer(page, `${base}&field=v&cm=viridis`);
    const onlyV = await canvasPixels(page);
    const oneMs = await drawMs(page);
    await settle(page, { field: "u", colormap: "magma" });
    const onlyU = await canvasPixels(page);
    expect(differ(onlyU, onlyV)).toBeGreaterThan(0.02);

    // u (magma) as a layer over v (viridis).
    const layer = { field: "u", colormap: "magma", opacity: 0.5, visible: true };
    const s = await settle(page, { field: "v", colormap: "viridis", layers: [layer] });
    expect(s.complete).toBe(true);
    expect(s.backend === "off").toBe(backend === "off");
    expect(s.layers?.shown).toBeGreaterThan(0);
    expect(s.layers?.waiting).toBe(0);
    expect(s.layers?.gpuBytes).toBeGreaterThan(0);
    expect(s.gpuBytes).toBeLessThanOrEqual(s.gpuBudget);
    const both = await canvasPixels(page);
    const twoMs = await drawMs(page);
    console.log(
      `backend ${backend}: draw + read-back ${oneMs.toFixed(1)} ms for v alone, ${twoMs.toFixed(1)} ms with the u layer (×${(twoMs / oneMs).toFixed(2)})`,
    );
    const dV = differ(both, onlyV);
    const dU = differ(both, onlyU);
    console.log(
      `backend ${backend}: two layers differ from v alone on ${dV}, from u alone on ${dU} of pixels`,
    );
    expect(dV).toBeGreaterThan(0.02);
    expect(dU).toBeGreaterThan(0.02);

    // The layer's opacity changes the pixels.
    await settle(page, { layers: [{ ...layer, opacity: 1 }] });
    const opaque = await canvasPixels(page);
    expect(differ(opaque, both)).toBeGreaterThan(0.01);

    // Hidden from the panel: the main field's image again.
    await settle(page, { layers: [layer] });
    expect(differ(await canvasPixels(page), both, 3)).toBeLessThan(0.002);
    await page.getByTestId("layer-visible-0").uncheck();
    await settle(page);
    expect(differ(await canvasPixels(page), onlyV, 3)).toBeLessThan(0.002);
    await page.getByTestId("layer-visible-0").check();
    await settle(page);

    // The shared link reproduces the two-layer view in a new page.
    const link = await page.evaluate(() => (window as unknown as W).__flatvox.shareUrl());
    expect(link).toContain("layers=u%3Amagma%3A0.5");
    const other = await browser.newPage({ viewport: { width: 900, height: 560 } });
    await openViewer(other, link.slice(link.indexOf("?") + 1));
    await settle(other);
    expect(differ(await canvasPixels(other), both, 3)).toBeLessThan(0.002);
    await other.close();
  });
}

/** A small dataset with a scalar blob and a categorical ground under it (packed once per run). */
async function heatAndRock(): Promise<string> {
  const name = "heat-rock-32.fvx";
  const n = 32;
  const spec: DatasetSpec = {
    dims: [n, n, n],
    times: [0],
    fields: [
      { name: "heat", dtype: "f32", kind: "scalar" },
      { name: "rock", dtype: "u16", kind: "categorical", fill: 0 },
    ],
  };
  const heat = new Float32Array(n ** 3);
  const rock = new Uint16Array(n ** 3);
  for (let z = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const i = x + n * (y + n * z);
        heat[i] = Math.exp(-((x - 16) ** 2 + (y - 16) ** 2 + (z - 18) ** 2) / 60);
        const ground = 10 + 3 * Math.sin(x / 4) * Math.cos(y / 5);
        rock[i] = z > ground ? 0 : z < 5 ? 1 : 2;
      }
  mkdirSync(`${SITE}/data`, { recursive: true });
  await packDataset(spec, [{ index: 0, fields: { heat, rock } }], `${SITE}/data/${name}`, {
    brickSize: 16,
    workers: 0,
  });
  return `data/${name}`;
}

for (const backend of ["off", "on"]) {
  test(`3D view (backend ${backend}): categorical surfaces as a layer with a scalar volume`, async ({
    page,
  }) => {
    test.setTimeout(300_000);
    await page.setViewportSize({ width: 900, height: 560 });
    const url = await heatAndRock();
    await openViewer(page, `url=${url}&backend=${backend}&field=heat&cm=viridis`);
    const onlyHeat = await canvasPixels(page);
    await settle(page, { field: "rock" });
    const onlyRock = await canvasPixels(page);
    expect(differ(onlyRock, onlyHeat)).toBeGreaterThan(0.02);

    const layer = { field: "rock", colormap: "magma", opacity: 1, visible: true };
    const s = await settle(page, { field: "heat", layers: [layer] });
    expect(s.complete).toBe(true);
    expect(s.layers?.shown).toBeGreaterThan(0);
    expect(s.layers?.waiting).toBe(0);
    expect(s.layers?.gpuBytes).toBeGreaterThan(0);
    expect(s.gpuBytes).toBeLessThanOrEqual(s.gpuBudget);
    const both = await canvasPixels(page);
    const dHeat = differ(both, onlyHeat);
    const dRock = differ(both, onlyRock);
    console.log(
      `backend ${backend}: heat + rock differ from heat alone on ${dHeat}, from rock alone on ${dRock}`,
    );
    expect(dHeat).toBeGreaterThan(0.02);
    expect(dRock).toBeGreaterThan(0.02);

    await settle(page, { layers: [{ ...layer, opacity: 0.4 }] });
    expect(differ(await canvasPixels(page), both)).toBeGreaterThan(0.01);

    await page.getByTestId("layer-visible-0").uncheck();
    await settle(page);
    expect(differ(await canvasPixels(page), onlyHeat, 3)).toBeLessThan(0.002);
    expect(await page.evaluate(() => (window as unknown as W).__flatvox.shareUrl())).toContain(
      "layers=rock%3Amagma%3A0.4%3Aoff",
    );
  });
}
