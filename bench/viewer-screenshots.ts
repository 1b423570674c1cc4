import { mkdirSync, writeFileSync } from "node:fs";
import { chromium, type Page } from "playwright-core";
import sharp from "sharp";
import { CHROMIUM_ARGS } from "../playwright.config";
import { placeDataset } from "../test/helpers/place-dataset";
import { startCountingServer } from "./lib/counting-server";
import { argString, environment, printJson } from "./lib/report";

type Hook = {
  isReady: boolean;
  picked(): { ijk: number[] } | undefined;
  setState(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  whenIdle(): Promise<unknown>;
  pickAt(x: number, y: number): Promise<unknown>;
  stats(): { gpuBytes: number; selected: number; levels: Record<number, number> };
};
type W = { __flatvox: Hook };

const out = "docs/screenshots";
mkdirSync(out, { recursive: true });

const server = await startCountingServer(".cache/site");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
const written: { file: string; bytes: number; stats: unknown }[] = [];

/** Re-encode a screenshot with a 256-colour palette (maximum zlib effort). */
async function small(png: Buffer): Promise<Buffer> {
  return sharp(png)
    .png({ palette: true, colors: 256, quality: 90, effort: 10, compressionLevel: 9 })
    .toBuffer();
}

async function save(file: string, png: Buffer, stats: unknown): Promise<void> {
  const out = await small(png);
  writeFileSync(file, out);
  written.push({ file, bytes: out.length, stats });
}

/** `--only a,b`: just these screenshots. */
const only = argString("only")?.split(",");
const wanted = (name: string) => !only || only.includes(name);

async function shot(
  name: string,
  query: string,
  setup: (page: Page) => Promise<void> = async () => {},
): Promise<void> {
  if (!wanted(name)) return;
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => (window as unknown as W).__flatvox?.isReady === true, null, {
    timeout: 300_000,
  });
  // Set up at a cheap resolution (software GL blocks the page for seconds per full frame).
  await page.evaluate(() => (window as unknown as W).__flatvox.setResolution(0.3));
  await setup(page);
  await page.evaluate(() => (window as unknown as W).__flatvox.setResolution(1));
  await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
  await page.waitForTimeout(500);
  await save(
    `${out}/${name}.png`,
    await page.screenshot(),
    await page.evaluate(() => (window as unknown as W).__flatvox.stats()),
  );
  await page.close();
}

/** Select a voxel as a click in a slice pane does, and wait for the pick panel to show it. */
async function selectVoxel(page: Page, ijk: number[]): Promise<void> {
  await page.evaluate((v) => (window as unknown as W).__flatvox.setState({ selection: v, slice: v }), ijk);
  await page.waitForFunction(
    (v) => (window as unknown as W).__flatvox.picked()?.ijk.join(",") === v.join(","),
    ijk,
  );
}

async function slicesReady(page: Page): Promise<void> {
  for (const p of ["XY", "XZ", "YZ"])
    await page.locator(`[data-testid="slice-pane-${p}"][data-state="ready"]`).waitFor({ timeout: 300_000 });
}

async function pickCentre(page: Page): Promise<void> {
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  await page.evaluate(
    async ([w, h]) => {
      const hook = (window as unknown as W).__flatvox;
      for (let fy = 0.45; fy < 0.8; fy += 0.03)
        for (let fx = 0.35; fx < 0.7; fx += 0.03) if (await hook.pickAt(fx * w, fy * h)) return;
    },
    [box.width, box.height],
  );
}

/** The start screen: the demo catalog with its statistics, searched. */
async function catalogShot(name: string, query: string): Promise<void> {
  if (!wanted(name)) return;
  const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
  await page.goto(server.url);
  await page.getByTestId("catalog-entry").first().waitFor();
  if (query) await page.getByTestId("catalog-search").fill(query);
  await page.waitForTimeout(300);
  await save(`${out}/${name}.png`, await page.screenshot(), {
    entries: await page.getByTestId("catalog-entry").count(),
  });
  await page.close();
}

try {
  await catalogShot("catalog", "");
  await shot("viewer-scalar-composite", "url=data/gray-scott.fvx&t=12");
  await shot("viewer-scalar-iso-pick", "url=data/gray-scott.fvx&t=12", async (page) => {
    await page.evaluate(() =>
      (window as unknown as W).__flatvox.setState({ mode: "iso", colormap: "magma" }),
    );
    await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
    await pickCentre(page);
  });
  await shot("viewer-material-clip", "url=data/material-world.fvx", async (page) => {
    await page.evaluate(() =>
      (window as unknown as W).__flatvox.setState({ clip: { min: [0, 0.35, 0], max: [1, 1, 1] } }),
    );
  });
  await shot("viewer-features", "url=data/gray-scott.fvx&t=8&mode=mip", async (page) => {
    const panel = page.getByTestId("features-panel");
    await panel.getByTestId("feature-scope").selectOption("step");
    await panel.getByTestId("feature-run").click();
    // Software GL keeps the page busy: allow slow steps.
    await panel.getByTestId("feature-tracks-drawn").waitFor({ timeout: 300_000 });
  });
  // Colour: log scale, histogram behind the transfer function, window/level bar, colorbar.
  await shot("viewer-colour-log", "url=data/gray-scott.fvx&t=12", async (page) => {
    await page.evaluate(() =>
      (window as unknown as W).__flatvox.setState({
        scale: "log",
        colormap: "inferno",
        window: [0.02, 0.45],
      }),
    );
    await page.getByTestId("tf-histogram").and(page.locator("[data-bins]")).waitFor({ timeout: 120_000 });
  });
  // Finding your way: axis triad, scale bar, shortcuts help.
  await shot("viewer-help", "url=data/gray-scott.fvx&t=12&cm=cividis", async (page) => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("?");
    await page.getByTestId("help-overlay").waitFor();
  });
  // Categorical legend with an edited colour, on a 1024×700 screen with the panels folded.
  await shot("viewer-legend", "url=data/material-world.fvx", async (page) => {
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.getByTestId("material-color").nth(2).fill("#ff3fd2");
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("1");
    await page.keyboard.press("2");
  });
  // Slice layout: the 3D view with the slice planes, XY, XZ and YZ panes with a selected voxel.
  await shot(
    "viewer-slices-2x2",
    "url=data/gray-scott.fvx&t=12&layout=2x2&slice=70,64,58&sel=70,64,58&cm=magma&cam=230,-120,200,64,64,64",
    slicesReady,
  );
  // Values over time at a picked voxel (the demo's probe index), beside the 3D view.
  await shot("viewer-probe-plot", "url=data/gray-scott.fvx&t=12&cm=viridis", async (page) => {
    await selectVoxel(page, [66, 82, 58]);
    await page.getByTestId("probe-data").waitFor({ timeout: 120_000 });
    await page.getByTestId("probe-plot").scrollIntoViewIfNeeded();
  });
  // Along a line between two picked voxels, with the slice panes showing where the ends are.
  await shot(
    "viewer-line-plot",
    "url=data/gray-scott.fvx&t=12&layout=2x2&cm=magma&cam=230,-120,200,64,64,64",
    async (page) => {
      await selectVoxel(page, [4, 8, 58]);
      await page.getByTestId("line-set-start").click();
      await selectVoxel(page, [123, 119, 58]);
      await page.getByTestId("line-set-end").click();
      await page.getByTestId("line-data").waitFor({ timeout: 120_000 });
      await page.getByTestId("line-plot").scrollIntoViewIfNeeded();
      await slicesReady(page);
    },
  );
  // Two fields at once: v in inferno at 60% opacity over u in grey, in the slice panes.
  if (wanted("viewer-layers")) {
    const uv = placeDataset("gray-scott-96-uv-t12.fvx", [
      "scalar",
      "--size",
      "96",
      "--steps",
      "12",
      "--fields",
      "u,v",
    ]);
    await shot(
      "viewer-layers",
      `url=${uv}&t=11&field=u&cm=grey&layout=slices&slice=48,48,40&layers=v:inferno:0.6`,
      slicesReady,
    );
  }
  for (const w of written) if (w.bytes > 200 * 1024) console.error(`${w.file}: ${w.bytes} B (over 200 KB)`);
  printJson({ bench: "viewer-screenshots", environment: environment(), written });
} finally {
  await browser.close();
  await server.stop();
}
