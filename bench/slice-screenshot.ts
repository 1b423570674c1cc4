/**
 * The README's screenshot of the slice layout (docs/screenshots/viewer-slices-2x2.png):
 * the Gray–Scott demo in the 2×2 layout (3D view with the slice planes, XY,
 * XZ and YZ panes with a selected voxel), in headless Chromium once every
 * view is drawn. Needs the site built (.cache/site; `node scripts/prepare-site.mjs`).
 *
 * Usage: npx tsx bench/slice-screenshot.ts
 */
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../playwright.config";
import { startCountingServer } from "./lib/counting-server";
import { printJson } from "./lib/report";

type W = {
  __flatvox: {
    isReady: boolean;
    setResolution(r: number | undefined): void;
    whenIdle(): Promise<unknown>;
  };
};

const out = "docs/screenshots";
mkdirSync(out, { recursive: true });
const server = await startCountingServer(".cache/site");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(
  `${server.url}?url=data/gray-scott.fvx&t=12&layout=2x2&slice=70,64,58&sel=70,64,58&cm=magma&cam=230,-120,200,64,64,64`,
);
await page.waitForFunction(() => (window as unknown as W).__flatvox?.isReady === true, null, {
  timeout: 300_000,
});
await page.evaluate(() => (window as unknown as W).__flatvox.setResolution(1));
await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
for (const p of ["XY", "XZ", "YZ"])
  await page.locator(`[data-testid="slice-pane-${p}"][data-state="ready"]`).waitFor({ timeout: 120_000 });
await page.waitForTimeout(500);
const file = `${out}/viewer-slices-2x2.png`;
await page.screenshot({ path: file });
printJson({
  file,
  cost: await page.locator(".slice-cost span").evaluateAll((els) => els.map((e) => e.textContent)),
});
await browser.close();
await server.stop();
