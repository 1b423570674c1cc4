/**
 * Plot over a line: two picked voxels (ends set from the keyboard) give the
 * values along the segment at the current step; every plotted sample equals
 * `ds.sample` of its voxel, the voxels step along the segment from one end to
 * the other, the CSV holds the plotted data, and a timestep change re-reads it.
 */
import { readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { axeViolations } from "../helpers/axe";

const SCALAR = "data/gray-scott.fvx";

type Hook = {
  ready: Promise<void>;
  info(): { dims: number[]; fields: { name: string }[]; times: number[]; spaceUnits: string };
  setState(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  picked(): { ijk: number[] } | undefined;
  whenIdle(): Promise<unknown>;
  engine(): { ds: { sample(field: string, t: number, ijk: number[]): Promise<number> } };
};
type W = { __flatvox: Hook };

async function openViewer(page: Page, query: string): Promise<void> {
  await page.goto(`/?${query}`);
  await page.waitForFunction(() => (window as unknown as W).__flatvox?.ready !== undefined);
  await page.evaluate(() => (window as unknown as W).__flatvox.ready);
  await page.evaluate(() => {
    (window as unknown as W).__flatvox.setResolution(0.35);
    return (window as unknown as W).__flatvox.whenIdle();
  });
}

/** Select a voxel (as a click in a slice pane does) and wait until the pick panel has it. */
async function select(page: Page, ijk: number[]): Promise<void> {
  await page.evaluate((v) => (window as unknown as W).__flatvox.setState({ selection: v }), ijk);
  await page.waitForFunction(
    (v) => (window as unknown as W).__flatvox.picked()?.ijk.join(",") === v.join(","),
    ijk,
  );
}

/** The sample voxels of the segment between two voxel centres: steps of at most one voxel per axis. */
function expectedVoxels(a: number[], b: number[]): number[][] {
  const d = [0, 1, 2].map((i) => b[i] - a[i]);
  const n = Math.max(...d.map(Math.abs));
  const out: number[][] = [];
  for (let s = 0; s <= n; s++)
    out.push([0, 1, 2].map((i) => Math.floor(a[i] + 0.5 + (n ? (d[i] * s) / n : 0))));
  return out;
}

type LineData = { t: number; values: number[]; distance: number[]; voxels: number[][] };

async function lineData(page: Page, t: number): Promise<LineData> {
  const el = page.getByTestId("line-data");
  await expect(el).toHaveAttribute("data-t", String(t), { timeout: 60_000 });
  const vox = JSON.parse((await el.getAttribute("data-voxels"))!) as number[];
  return {
    t,
    values: (JSON.parse((await el.getAttribute("data-values"))!) as (number | null)[]).map(
      (v) => v ?? Number.NaN,
    ),
    distance: JSON.parse((await el.getAttribute("data-distance"))!) as number[],
    voxels: Array.from({ length: vox.length / 3 }, (_, s) => vox.slice(s * 3, s * 3 + 3)),
  };
}

async function libraryValues(page: Page, t: number, voxels: number[][]): Promise<number[]> {
  return page.evaluate(
    async ([t, voxels]) => {
      const h = (window as unknown as W).__flatvox;
      const field = h.info().fields[0].name;
      const out: number[] = [];
      for (const v of voxels) out.push(await h.engine().ds.sample(field, t, v));
      return out;
    },
    [t, voxels] as const,
  );
}

test("a line between two picked voxels plots ds.sample at every voxel step; CSV holds it; a step change re-reads", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openViewer(page, `url=${SCALAR}&t=6`);
  const dims = await page.evaluate(() => (window as unknown as W).__flatvox.info().dims);
  const a = [Math.floor(dims[0] * 0.1), Math.floor(dims[1] * 0.3), Math.floor(dims[2] * 0.5)];
  const b = [Math.floor(dims[0] * 0.9), Math.floor(dims[1] * 0.6), Math.floor(dims[2] * 0.45)];

  // Both ends set from the keyboard: the buttons are focusable and labelled.
  await select(page, a);
  const startButton = page.getByRole("button", { name: "Start here: line start at the picked voxel" });
  await startButton.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("line-start")).toContainText(a.join(", "));
  await select(page, b);
  await page.getByRole("button", { name: "End here: line end at the picked voxel" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("line-end")).toContainText(b.join(", "));

  const first = await lineData(page, 6);
  const want = expectedVoxels(a, b);
  expect(first.voxels).toEqual(want);
  expect(want.length).toBe(Math.max(...[0, 1, 2].map((i) => Math.abs(b[i] - a[i]))) + 1);
  const lib = await libraryValues(page, 6, first.voxels);
  expect(first.values.length).toBe(lib.length);
  for (let s = 0; s < lib.length; s++) expect(first.values[s], `sample ${s}`).toBe(lib[s]);
  // Not a constant line: the check above compares real structure.
  expect(new Set(first.values).size).toBeGreaterThan(3);
  // Distance in world units from the first voxel centre to the last.
  const spacing = await page.evaluate(() => {
    const e = (window as unknown as { __flatvox: { engine(): { info: { spacing: number[] } } } }).__flatvox;
    return e.engine().info.spacing;
  });
  const len = Math.hypot(...[0, 1, 2].map((i) => (b[i] - a[i]) * spacing[i]));
  expect(first.distance[0]).toBe(0);
  expect(first.distance.at(-1)).toBeCloseTo(len, 6);
  await expect(page.getByTestId("line-chart").locator("canvas")).toHaveCount(1);

  const download = page.waitForEvent("download");
  await page.getByTestId("line-csv").click();
  const lines = readFileSync((await (await download).path())!, "utf8")
    .trim()
    .split("\n");
  expect(lines[0]).toContain("distance");
  expect(lines.length).toBe(first.values.length + 1);
  for (let s = 0; s < first.values.length; s++) {
    const cols = lines[s + 1].split(",").map(Number);
    expect(cols[0]).toBe(first.distance[s]);
    expect(cols.slice(1, 4)).toEqual(first.voxels[s]);
    expect(cols[4]).toBe(first.values[s]);
  }

  // Another timestep: the plot follows it, with that step's values.
  await page.evaluate(() => (window as unknown as W).__flatvox.setState({ t: 18 }));
  const later = await lineData(page, 18);
  expect(later.voxels).toEqual(want);
  const lib18 = await libraryValues(page, 18, later.voxels);
  for (let s = 0; s < lib18.length; s++) expect(later.values[s], `t18 sample ${s}`).toBe(lib18[s]);
  expect(later.values).not.toEqual(first.values);

  // The plot panels add no serious accessibility violation.
  expect(await axeViolations(page)).toEqual([]);

  // The slice panes draw the segment: dashed (projected) in XY since its ends lie in different z
  // planes, solid in a pane whose plane holds both ends; "Clear" takes it away.
  await page.evaluate((s) => (window as unknown as W).__flatvox.setState({ layout: "slices", slice: s }), a);
  await expect(page.getByTestId("slice-line-XY")).toHaveAttribute("data-in-plane", "false");
  await select(page, [b[0], b[1], a[2]]);
  await page.getByTestId("line-set-end").click();
  await expect(page.getByTestId("slice-line-XY")).toHaveAttribute("data-in-plane", "true");
  await expect(page.getByTestId("slice-line-XZ")).toHaveAttribute("data-in-plane", "false");
  await page.getByTestId("line-clear").click();
  await expect(page.getByTestId("slice-line-XY")).toHaveCount(0);
  await expect(page.getByTestId("line-data")).toHaveCount(0);
});
