/**
 * Screenshots of the viewer for the docs (docs/screenshots/*.png): both demo
 * datasets in headless Chromium at full resolution, once everything the view
 * needs is drawn. Prints JSON listing the files written and each view's stats.
 * Needs the site built (.cache/site; `node scripts/prepare-site.mjs`).
 */
import { mkdirSync } from "node:fs";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../playwright.config";
import { startCountingServer } from "./lib/counting-server";
import { argString, environment, printJson } from "./lib/report";

type Hook = {
  isReady: boolean;
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
const written: { file: string; stats: unknown }[] = [];
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
  const file = `${out}/${name}.png`;
  await page.screenshot({ path: file });
  written.push({ file, stats: await page.evaluate(() => (window as unknown as W).__flatvox.stats()) });
  await page.close();
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
  const file = `${out}/${name}.png`;
  await page.screenshot({ path: file });
  written.push({ file, stats: { entries: await page.getByTestId("catalog-entry").count() } });
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
  printJson({ bench: "viewer-screenshots", environment: environment(), written });
} finally {
  await browser.close();
  await server.stop();
}
