/**
 * Taking results away, in real Chromium: a PNG screenshot at the requested
 * size (larger than the GPU's tile, so assembled from tiles) that shows the
 * data, from the button and the S key; a WebM movie of playback with frames.
 */
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { decodePng } from "../helpers/png";
import { openViewer } from "../helpers/viewer-page";

const SCALAR = "data/gray-scott.fvx";
const MATERIAL = "data/material-world.fvx";

/** Fraction of pixels that are not the background, and how many distinct colours. */
function content(png: { rgba: Uint8Array }) {
  let other = 0;
  const colours = new Set<number>();
  for (let i = 0; i < png.rgba.length; i += 4) {
    const [r, g, b] = [png.rgba[i], png.rgba[i + 1], png.rgba[i + 2]];
    if (Math.abs(r - 0x14) > 6 || Math.abs(g - 0x17) > 6 || Math.abs(b - 0x1c) > 6) other++;
    colours.add((r << 16) | (g << 8) | b);
  }
  return { covered: other / (png.rgba.length / 4), colours: colours.size };
}

test("a PNG screenshot has the requested size and shows the data", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}&t=5`);
  await page.getByTestId("export").locator("summary").click();
  await page.getByTestId("shot-width").fill("2500");
  await page.getByTestId("shot-height").fill("1300");
  const [dl] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("screenshot-button").click(),
  ]);
  expect(dl.suggestedFilename()).toMatch(/gray-scott-.*-t5\.png$/);
  const png = decodePng(readFileSync((await dl.path())!));
  expect([png.width, png.height]).toEqual([2500, 1300]);
  const c = content(png);
  expect(c.covered).toBeGreaterThan(0.05);
  expect(c.colours).toBeGreaterThan(200);
  // Tiles meet without seams of background: the column at the 2048 px tile edge holds data where its neighbour does.
  let mismatch = 0;
  let rows = 0;
  for (let y = 0; y < png.height; y++) {
    const at = (x: number) => (y * png.width + x) * 4;
    const bg = (i: number) => Math.abs(png.rgba[i] - 0x14) <= 6 && Math.abs(png.rgba[i + 2] - 0x1c) <= 6;
    if (!bg(at(2046))) {
      rows++;
      if (bg(at(2048))) mismatch++;
    }
  }
  expect(rows).toBeGreaterThan(0);
  expect(mismatch / rows).toBeLessThan(0.05);
  await expect(page.getByTestId("export-status")).toContainText("saved 2500×1300 PNG");

  // The S key: the same size again, here for a categorical field with its legend.
  await openViewer(page, `url=${MATERIAL}`);
  await page.getByTestId("export").locator("summary").click();
  await page.getByTestId("shot-width").fill("640");
  await page.getByTestId("shot-height").fill("480");
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const [dl2] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("s")]);
  const png2 = decodePng(readFileSync((await dl2.path())!));
  expect([png2.width, png2.height]).toEqual([640, 480]);
  expect(content(png2).covered).toBeGreaterThan(0.05);
});

/** Walk an EBML (WebM) file: the codec, and how many frames (SimpleBlocks) its clusters hold. */
function webmFrames(b: Uint8Array): { frames: number; codec: string; width?: number } {
  let pos = 0;
  const vint = (keepMarker: boolean) => {
    const first = b[pos];
    let len = 1;
    while (len <= 8 && !(first & (0x80 >> (len - 1)))) len++;
    let v = keepMarker ? first : first & (0xff >> len);
    for (let i = 1; i < len; i++) v = v * 256 + b[pos + i];
    const allOnes = !keepMarker && v === 2 ** (7 * len) - 1;
    pos += len;
    return { v, unknown: allOnes };
  };
  const CONTAINERS = new Set([0x18538067, 0x1f43b675, 0xa0, 0x1654ae6b, 0xae, 0xe0]);
  let frames = 0;
  let codec = "";
  let width: number | undefined;
  while (pos < b.length) {
    const id = vint(true).v;
    const size = vint(false);
    if (CONTAINERS.has(id)) continue; // descend: children follow
    const end = pos + size.v;
    if (id === 0xa3 || id === 0xa1) frames++;
    if (id === 0x86) codec = new TextDecoder().decode(b.subarray(pos, end));
    if (id === 0xb0) width = Number.parseInt(Buffer.from(b.subarray(pos, end)).toString("hex"), 16);
    if (size.unknown) break;
    pos = end;
  }
  return { frames, codec, width };
}

test("a WebM movie of playback: non-empty, VP8/VP9, one frame per drawn step at least", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const [dl] = await Promise.all([
    page.waitForEvent("download", { timeout: 110_000 }),
    page.keyboard.press("v"),
  ]);
  expect(dl.suggestedFilename()).toMatch(/\.webm$/);
  const bytes = new Uint8Array(readFileSync((await dl.path())!));
  expect(bytes.length).toBeGreaterThan(1000);
  // EBML magic, and the doc type says webm.
  expect(Array.from(bytes.subarray(0, 4))).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
  expect(Buffer.from(bytes.subarray(0, 64)).toString("latin1")).toContain("webm");
  const m = webmFrames(bytes);
  expect(m.codec).toMatch(/^V_VP[89]$/);
  expect(m.frames).toBeGreaterThan(5);
  const canvasW = await page.getByTestId("viewer-canvas").evaluate((c) => (c as HTMLCanvasElement).width);
  expect(m.width).toBe(canvasW);
  await expect(page.getByTestId("export-status")).toContainText("WebM");
});
