import { expect, type Page, test } from "@playwright/test";
import { axeViolations } from "../helpers/axe";
import { openViewer } from "../helpers/viewer-page";

const SCALAR = "data/gray-scott.fvx";
const MATERIAL = "data/material-world.fvx";

type Cam = { position: number[]; target: number[] };
type Hook = {
  ready: Promise<void>;
  info(): { spaceUnits: string; dims: number[]; origin: number[]; spacing: number[] };
  state(): { t: number; ramp: [number, number][]; camera: Cam; clip: { min: number[]; max: number[] } };
  setState(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  whenIdle(): Promise<unknown>;
};
type W = { __flatvox: Hook };

const state = (page: Page) => page.evaluate(() => (window as unknown as W).__flatvox.state());
const setState = (page: Page, p: Record<string, unknown>) =>
  page.evaluate((patch) => (window as unknown as W).__flatvox.setState(patch), p);

async function axis(page: Page, name: string): Promise<{ x: number; y: number }> {
  const g = page.locator(`[data-testid="axis-triad"] g[data-axis="${name}"]`);
  return { x: Number(await g.getAttribute("data-x")), y: Number(await g.getAttribute("data-y")) };
}

test("the axis triad and the scale bar follow the camera; reset view and fit to data", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  const initial = (await state(page)).camera;
  const info = await page.evaluate(() => (window as unknown as W).__flatvox.info());

  // Looking along +y with z up: x points right, z up, y into the screen.
  const c = initial.target;
  await setState(page, { camera: { target: c, position: [c[0], c[1] - 300, c[2]] } });
  await expect.poll(async () => (await axis(page, "x")).x).toBeGreaterThan(0.99);
  expect((await axis(page, "z")).y).toBeGreaterThan(0.99);
  const y = await axis(page, "y");
  expect(Math.hypot(y.x, y.y)).toBeLessThan(0.01);

  // Scale bar: its pixels are its length over the world size of a pixel at the orbit centre.
  const bar = page.getByTestId("scale-bar");
  await expect(bar).toContainText(info.spaceUnits || "units");
  const canvasH = (await page.getByTestId("viewer-canvas").boundingBox())!.height;
  const check = async (dist: number) => {
    await expect
      .poll(async () => {
        const len = Number(await bar.getAttribute("data-length"));
        const px = Number(await bar.getAttribute("data-px"));
        const perPx = (2 * dist * Math.tan((20 * Math.PI) / 180)) / canvasH;
        return Math.abs(px - len / perPx) < 0.5 && px <= 120 && px >= 24;
      })
      .toBe(true);
    return Number(await bar.getAttribute("data-length"));
  };
  const far = await check(300);
  const lineWidth = (await bar.locator(".scale-bar-line").boundingBox())!.width;
  expect(Math.abs(lineWidth - Number(await bar.getAttribute("data-px")))).toBeLessThan(1.5);
  await setState(page, { camera: { target: c, position: [c[0], c[1] - 30, c[2]] } });
  const near = await check(30);
  expect(near).toBeLessThan(far);

  // Reset view: back to the opening camera.
  await page.getByTestId("reset-view").click();
  const reset = (await state(page)).camera;
  for (let i = 0; i < 3; i++) {
    expect(reset.position[i]).toBeCloseTo(initial.position[i], 4);
    expect(reset.target[i]).toBeCloseTo(initial.target[i], 4);
  }
  // Fit to data: the clip box centred, same viewing direction.
  await setState(page, { clip: { min: [0, 0, 0], max: [0.5, 0.5, 0.5] } });
  await page.getByTestId("fit-view").click();
  const fit = (await state(page)).camera;
  const centre = [0, 1, 2].map((i) => info.origin[i] + info.spacing[i] * info.dims[i] * 0.25);
  for (let i = 0; i < 3; i++) expect(fit.target[i]).toBeCloseTo(centre[i], 3);
  const dir = (cam: Cam) => {
    const d = cam.position.map((p, i) => p - cam.target[i]);
    const n = Math.hypot(...d);
    return d.map((v) => v / n);
  };
  for (let i = 0; i < 3; i++) expect(dir(fit)[i]).toBeCloseTo(dir(reset)[i], 6);
  expect(Math.hypot(...fit.position.map((p, i) => p - fit.target[i]))).toBeLessThan(
    Math.hypot(...reset.position.map((p, i) => p - reset.target[i])),
  );
});

test("keyboard shortcuts work and ? lists them; panels fold so the canvas fills a 1024×700 screen", async ({
  page,
}) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await openViewer(page, `url=${SCALAR}`);
  // Narrow screen: the inspection panel starts folded.
  await expect(page.locator("#side-right")).toBeHidden();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

  await page.keyboard.press("?");
  const help = page.getByTestId("help-overlay");
  await expect(help).toBeVisible();
  await expect(help).toContainText("reset the view");
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();

  const t0 = (await state(page)).t;
  await page.keyboard.press("ArrowRight");
  await expect.poll(async () => (await state(page)).t).toBe(t0 + 1);
  await page.keyboard.press("End");
  const n = await page.evaluate(
    () => (window as unknown as { __flatvox: { info(): { times: number[] } } }).__flatvox.info().times.length,
  );
  await expect.poll(async () => (await state(page)).t).toBe(n - 1);
  await page.keyboard.press("Home");
  await expect.poll(async () => (await state(page)).t).toBe(0);
  await page.keyboard.press("i");
  await expect
    .poll(async () => (await state(page)) as unknown as { invert: boolean })
    .toMatchObject({ invert: true });
  await page.keyboard.press("l");
  await expect
    .poll(async () => (await state(page)) as unknown as { scale: string })
    .toMatchObject({ scale: "log" });
  await page.keyboard.press("m");
  await expect
    .poll(async () => (await state(page)) as unknown as { mode: string })
    .toMatchObject({ mode: "mip" });

  // Orbit away, then R resets.
  const initial = (await state(page)).camera;
  await setState(page, {
    camera: { target: initial.target, position: initial.target.map((v, i) => v + [0, -200, 50][i]) },
  });
  await page.keyboard.press("r");
  await expect.poll(async () => (await state(page)).camera.position[1]).toBeCloseTo(initial.position[1], 4);

  // Folding the view panel: the canvas takes the whole width.
  const canvas = page.getByTestId("viewer-canvas");
  const before = (await canvas.boundingBox())!;
  expect(before.width).toBeLessThan(1024 - 200);
  await page.keyboard.press("1");
  await expect(page.locator("#side-left")).toBeHidden();
  await expect.poll(async () => (await canvas.boundingBox())!.width).toBe(1024);
  const after = (await canvas.boundingBox())!;
  expect(after.height).toBeGreaterThan(500);
  await page.getByTestId("toggle-left").click();
  await expect(page.locator("#side-left")).toBeVisible();
  await page.keyboard.press("2");
  await expect(page.locator("#side-right")).toBeVisible();
});

test("the transfer-function editor works from the keyboard, with a visible focus ring", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  const editor = page.getByTestId("tf-editor");
  await editor.focus();
  const outline = await editor.evaluate((e) => getComputedStyle(e).outlineStyle);
  expect(outline).not.toBe("none");
  const ramp0 = (await state(page)).ramp;
  const t0 = (await state(page)).t;
  // Select the second point, raise it by 5 × 0.02 and move it right by 0.1 (Shift).
  await page.keyboard.press("]");
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Shift+ArrowRight");
  const ramp1 = (await state(page)).ramp;
  expect(ramp1[1][1]).toBeCloseTo(ramp0[1][1] + 0.1, 6);
  expect(ramp1[1][0]).toBeCloseTo(ramp0[1][0] + 0.1, 6);
  // The arrows went to the editor, not to the timestep shortcut.
  expect((await state(page)).t).toBe(t0);
  await expect(editor).toHaveAttribute("aria-valuenow", String(ramp1[1][1]));
  await page.keyboard.press("+");
  expect((await state(page)).ramp.length).toBe(ramp0.length + 1);
  await page.keyboard.press("Delete");
  expect((await state(page)).ramp.length).toBe(ramp0.length);

  // Window/level from the keyboard too.
  const wl = page.getByTestId("window-level");
  await wl.focus();
  const win0 = ((await state(page)) as unknown as { window?: [number, number] }).window;
  await page.keyboard.press("Shift+ArrowRight");
  const win1 = ((await state(page)) as unknown as { window: [number, number] }).window;
  expect(win1).toBeDefined();
  if (win0) expect(win1[0]).toBeGreaterThan(win0[0]);
  await page.keyboard.press("ArrowDown");
  const win2 = ((await state(page)) as unknown as { window: [number, number] }).window;
  expect(win2[1] - win2[0]).toBeLessThan(win1[1] - win1[0]);
});

test("window/level by dragging on the histogram bar", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  const wl = page.getByTestId("window-level");
  await wl.scrollIntoViewIfNeeded();
  const box = (await wl.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 52, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  const range = await page.evaluate(() =>
    (window as unknown as { __flatvox: { engine(): { fieldRange(): [number, number] } } }).__flatvox
      .engine()
      .fieldRange(),
  );
  const win = ((await state(page)) as unknown as { window: [number, number] }).window;
  const span = range[1] - range[0];
  // 52 px of a 260 px bar: the level moved by a fifth of the range, the width stayed.
  expect((win[0] + win[1]) / 2).toBeCloseTo((range[0] + range[1]) / 2 + span * 0.2, 3);
  expect(win[1] - win[0]).toBeCloseTo(span, 3);
});

test("window/level by Alt + drag on the 3D canvas, without orbiting", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  const cam0 = (await state(page)).camera;
  const range = await page.evaluate(() =>
    (window as unknown as { __flatvox: { engine(): { fieldRange(): [number, number] } } }).__flatvox
      .engine()
      .fieldRange(),
  );
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.keyboard.down("Alt");
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx - box.width * 0.1, cy - box.width * 0.1, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up("Alt");
  const st = (await state(page)) as unknown as { window: [number, number]; camera: Cam };
  const span = range[1] - range[0];
  // A tenth of the canvas left: the level down by a tenth of the range; a tenth up: the window wider by as much.
  expect((st.window[0] + st.window[1]) / 2).toBeCloseTo((range[0] + range[1]) / 2 - span * 0.1, 3);
  expect(st.window[1] - st.window[0]).toBeCloseTo(span * 1.1, 3);
  expect(st.camera.position).toEqual(cam0.position);
});

test("axe-core finds no serious or critical accessibility violation on the viewer page", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}`);
  await page.getByTestId("export").locator("summary").click();
  expect(await axeViolations(page)).toEqual([]);
  await page.keyboard.press("?");
  await expect(page.getByTestId("help-overlay")).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await openViewer(page, `url=${MATERIAL}`);
  await expect(page.getByTestId("legend")).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  // The slice panes beside the 3D view: sliders over the slice index, each with its index box.
  await openViewer(page, `url=${SCALAR}&layout=2x2`);
  await expect(page.getByTestId("slice-slider-XY")).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});
