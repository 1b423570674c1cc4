/**
 * The clip box exported from the page, in real Chromium: the downloaded .npy
 * holds exactly what `readRegion` returns for that box and step (read in Node
 * from the same file), with shape [nz, ny, nx]; CSV lists the same values;
 * a box too large for CSV gets a message naming the limit, not a file.
 */
import { readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { openDataset } from "../../src/reader";
import type { Vec3 } from "../../src/shared/types";
import { clipVoxelBox } from "../../src/viewer/ui/export-region";
import { parseNpyHeader } from "../../src/writer/inputs/npy-header";
import { openViewer } from "../helpers/viewer-page";

const SITE = ".cache/site";

/** The viewer as loaded, with the export panel open. */
async function openExport(page: Page, query: string): Promise<void> {
  await openViewer(page, query, {});
  await page.getByTestId("export").locator("summary").click();
}

async function expected(t: number, clip: { min: Vec3; max: Vec3 }) {
  const ds = await openDataset(`${SITE}/data/gray-scott.fvx`, { workers: false });
  const field = ds.info.fields[0].name;
  const box = clipVoxelBox(clip, ds.info.dims as Vec3);
  return { field, box, values: await ds.readRegion({ field, t, box }) };
}

test("the clip box exported as .npy equals readRegion of that box and step", async ({ page }) => {
  const clip = { min: [0.1, 0.25, 0.3] as Vec3, max: [0.55, 0.7, 0.62] as Vec3 };
  await openExport(page, `url=data/gray-scott.fvx&t=4&clip=${[...clip.min, ...clip.max].join(",")}`);
  const [dl] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-npy").click()]);
  const bytes = new Uint8Array(readFileSync((await dl.path())!));
  const h = parseNpyHeader(bytes, dl.suggestedFilename());
  const want = await expected(4, clip);
  const size = want.box.max.map((v, i) => v - want.box.min[i]);
  expect(h.shape).toEqual([size[2], size[1], size[0]]);
  expect(h.fortranOrder).toBe(false);
  const got = new Float32Array(bytes.slice(h.dataOffset).buffer);
  expect(got.length).toBe(want.values.length);
  expect(Array.from(got)).toEqual(Array.from(want.values as Float32Array));
  await expect(page.getByTestId("export-region-status")).toContainText(`${want.values.length} voxels`);
});

test("CSV of a small clip box lists x,y,z and readRegion's values; a large box is refused with the limit", async ({
  page,
}) => {
  const clip = { min: [0.5, 0.5, 0.5] as Vec3, max: [0.55, 0.56, 0.53] as Vec3 };
  await openExport(page, `url=data/gray-scott.fvx&t=2&clip=${[...clip.min, ...clip.max].join(",")}`);
  const [dl] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  const lines = readFileSync((await dl.path())!, "utf8")
    .trim()
    .split("\n");
  const want = await expected(2, clip);
  expect(lines[0]).toBe(`x,y,z,${want.field}`);
  expect(lines.length - 1).toBe(want.values.length);
  const first = lines[1].split(",").map(Number);
  expect(first.slice(0, 3)).toEqual(want.box.min);
  lines.slice(1).forEach((l, i) => {
    expect(Math.fround(Number(l.split(",")[3]))).toBe(want.values[i]);
  });

  // The whole 128³ grid is over the CSV limit (2^20 voxels): a message, no download.
  await openExport(page, "url=data/gray-scott.fvx&t=2&clip=0,0,0,1,1,1");
  let downloads = 0;
  page.on("download", () => downloads++);
  await page.getByTestId("export-csv").click();
  await expect(page.getByTestId("export-region-status")).toContainText("CSV export is limited to");
  expect(downloads).toBe(0);
});
