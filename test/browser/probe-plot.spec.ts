/**
 * The probe plot: clicking a voxel plots its value over every timestep; the
 * plotted data equal `ds.sample` at each step, and the CSV download holds them.
 */
import { expect, type Page, test } from "@playwright/test";
import { openViewer } from "../helpers/viewer-page";

const SCALAR = "data/gray-scott.fvx";

type Hook = {
  ready: Promise<void>;
  info(): { dims: number[]; fields: { name: string }[]; times: number[] };
  setResolution(r: number | undefined): void;
  pickAt(x: number, y: number): Promise<{ value?: number; exact: boolean } | undefined>;
  picked(): { value?: number; ijk: number[] } | undefined;
  whenIdle(): Promise<unknown>;
  stats(): { requests: number; bytes: number; pendingPrefetch: number; pendingVisible: number } | undefined;
  engine(): { ds: { sample(field: string, t: number, ijk: number[]): Promise<number> } };
};
type W = { __flatvox: Hook };

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

test("clicking a voxel plots its value at every timestep, equal to ds.sample; CSV holds the same", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openViewer(page, `url=${SCALAR}`);
  const [x, y] = await findDataPixel(page);
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  await page.mouse.click(box.x + x, box.y + y);
  await expect(page.getByTestId("probe-data")).toBeVisible({ timeout: 60_000 });
  const picked = await page.evaluate(() => (window as unknown as W).__flatvox.picked());
  const data = page.getByTestId("probe-data");
  await expect(data).toHaveAttribute(
    "data-box",
    JSON.stringify({ min: picked!.ijk, max: picked!.ijk.map((v) => v + 1) }),
  );
  const values = JSON.parse((await data.getAttribute("data-values"))!) as number[];
  const want = await page.evaluate(async (ijk) => {
    const h = (window as unknown as W).__flatvox;
    const field = h.info().fields[0].name;
    const out: number[] = [];
    for (let t = 0; t < h.info().times.length; t++) out.push(await h.engine().ds.sample(field, t, ijk));
    return out;
  }, picked!.ijk);
  expect(values.length).toBe(want.length);
  expect(want.length).toBeGreaterThan(1);
  for (let t = 0; t < want.length; t++) expect(values[t]).toBe(want[t]);
  // The demo is packed with a probe index (scripts/demo-data.mjs): the plot came from it, and
  // another voxel's 24 steps cost at most three requests (index pages + one time-major chunk).
  await expect(data).toContainText("from the probe index");
  const probeCost = await page.evaluate(async (ijk) => {
    const h = (window as unknown as W).__flatvox;
    await h.whenIdle();
    // The transport's counters: they see the backend worker's fetches, which the page's resource timing does
    // not. They count every read, so first let the view's prefetch finish (no request for a second).
    let before = h.stats()!;
    for (let quiet = 0, i = 0; quiet < 10 && i < 600; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      const now = h.stats()!;
      quiet =
        now.requests === before.requests && now.pendingPrefetch === 0 && now.pendingVisible === 0
          ? quiet + 1
          : 0;
      before = now;
    }
    const far = ijk.map((v, i) => (v + 40) % h.info().dims[i]);
    const r = await (
      h.engine().ds as unknown as {
        probe(
          f: string,
          b: { min: number[]; max: number[] },
        ): Promise<{ source: string; mean: Float64Array }>;
      }
    ).probe(h.info().fields[0].name, { min: far, max: far.map((v) => v + 1) });
    // (The backend's counters reach the page with its next event batch: wait for them to move and settle.)
    let after = h.stats()!;
    for (let i = 0; i < 40; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      const now = h.stats()!;
      if (now.requests > before.requests && now.requests === after.requests) break;
      after = now;
    }
    return {
      source: r.source,
      steps: r.mean.length,
      requests: after.requests - before.requests,
      bytes: after.bytes - before.bytes,
    };
  }, picked!.ijk);
  console.log(`probe of another voxel: ${JSON.stringify(probeCost)}`);
  expect(probeCost.source).toBe("probe-index");
  expect(probeCost.steps).toBe(want.length);
  expect(probeCost.requests).toBeGreaterThan(0);
  expect(probeCost.requests).toBeLessThanOrEqual(3);
  // One 16³ × 24 chunk, not 24 whole 64³ bricks (8.4 MB).
  expect(probeCost.bytes).toBeLessThan(1_000_000);
  // uPlot drew into the panel.
  await expect(page.getByTestId("probe-chart").locator("canvas")).toHaveCount(1);
  const download = page.waitForEvent("download");
  await page.getByTestId("probe-csv").click();
  const file = await (await download).path();
  const { readFileSync } = await import("node:fs");
  const lines = readFileSync(file!, "utf8").trim().split("\n");
  expect(lines.length).toBe(want.length + 1);
  for (let t = 0; t < want.length; t++) expect(Number(lines[t + 1].split(",")[2])).toBe(want[t]);
});
