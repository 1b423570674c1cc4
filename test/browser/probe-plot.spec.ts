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
