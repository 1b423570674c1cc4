/**
 * A fresh Vite app, outside the repository, that installs the packed tarball
 * and embeds the viewer twice on one page — `<FlatvoxViewer>` through React
 * and `mountViewer` — is built with `vite build`, served by the installed
 * `flatvox serve`, and must draw data in Chromium in both, pick, and leave the
 * page address alone.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { consumerDir, npmInstall, packedTarball, ROOT, readmeExample } from "../helpers/package";

let dir: string;
let server: ChildProcess | undefined;
let base: string;

const version = (p: string) =>
  JSON.parse(readFileSync(join(ROOT, "node_modules", p, "package.json"), "utf8")).version;

const MAKE = `
import { packDataset } from "flatvox/node";
const n = 48, c = 24, r = 14;
const v = new Float32Array(n * n * n);
for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
  const d = Math.hypot(x + 0.5 - c, y + 0.5 - c, z + 0.5 - c);
  v[x + n * (y + n * z)] = d <= r ? 1 - d / r / 2 : 0;
}
await packDataset({ dims: [n, n, n], fields: [{ name: "ball", dtype: "f32", kind: "scalar" }], times: [0, 1] },
  [0, 1].map((index) => ({ index, fields: { ball: v } })), "public/ball.fvx", { brickSize: 16 });
`;

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>embed</title>
<style>body { margin: 0 } .v { width: 640px; height: 400px; display: inline-block; vertical-align: top }</style>
</head><body><div id="a" class="v"></div><div id="viewer" class="v"></div>
<script type="module" src="/entry.js"></script></body></html>`;

const MAIN = `
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { FlatvoxViewer } from "flatvox/viewer";
import "flatvox/viewer.css";
window.viewers = {};
window.picks = [];
window.states = 0;
createRoot(document.getElementById("a")).render(
  createElement(FlatvoxViewer, {
    url: "ball.fvx",
    initialState: { colormap: "grey", t: 0 },
    onReady: (v) => { window.viewers.a = v; },
    onPick: (p) => { window.picks.push(p); },
    onStateChange: () => { window.states++; },
  }),
);
`;

test.describe("the viewer embedded in a fresh Vite app", () => {
  test.beforeAll(async ({ browserName: _ }, info) => {
    info.setTimeout(900_000);
    const { tarball } = packedTarball();
    dir = consumerDir("fvx-consumer-vite-", { scripts: { build: "vite build" } });
    npmInstall(dir, [
      tarball,
      `react@${version("react")}`,
      `react-dom@${version("react-dom")}`,
      `three@${version("three")}`,
      `vite@${version("vite")}`,
    ]);
    mkdirSync(join(dir, "public"));
    writeFileSync(join(dir, "make.mjs"), MAKE);
    writeFileSync(join(dir, "index.html"), HTML);
    // Viewer A through React; the second is README's embed example, as written but for the dataset.
    const example = readmeExample("embed").replace("https://example.org/run.fvx", "ball.fvx");
    writeFileSync(join(dir, "main.js"), MAIN);
    writeFileSync(join(dir, "readme.js"), example);
    writeFileSync(join(dir, "entry.js"), `import "./main.js";\nimport "./readme.js";\n`);
    // The library's workers split into chunks, which only ES-module workers allow.
    writeFileSync(join(dir, "vite.config.js"), `export default { worker: { format: "es" } };\n`);
    for (const cmd of [
      ["node", "make.mjs"],
      ["npx", "vite", "build", "--logLevel", "warn"],
    ]) {
      const r = spawnSync(cmd[0], cmd.slice(1), { cwd: dir, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    }
    server = spawn("node", ["node_modules/flatvox/bin/flatvox.js", "serve", "dist", "--port", "0", "-q"], {
      cwd: dir,
    });
    base = await new Promise<string>((ok, fail) => {
      let out = "";
      server!.stdout!.on("data", (d) => {
        out += d;
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) ok(m[1]);
      });
      server!.once("exit", (code) => fail(new Error(`flatvox serve exited (${code}): ${out}`)));
    });
  });

  test.afterAll(() => {
    server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("two viewers render the data, pick, and keep the page address as it was", async ({ page }) => {
    const errors: string[] = [];
    const logs: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => logs.push(m.text()));
    await page.goto(`${base}?keep=1`);
    type W = {
      viewers: Record<
        string,
        {
          whenIdle(): Promise<unknown>;
          snapshot(): { coverage: number; hash: string };
          state(): { t: number; colormap: string };
          info(): { dims: number[] };
        }
      >;
      picks: ({ value?: number } | undefined)[];
    };
    await page.waitForFunction(() => (window as unknown as W).viewers?.a);
    const a = await page.evaluate(async () => {
      const v = (window as unknown as W).viewers.a;
      await v.whenIdle();
      return { snap: v.snapshot(), state: v.state(), dims: v.info().dims };
    });
    expect(a.dims).toEqual([48, 48, 48]);
    expect(a.state).toMatchObject({ t: 0, colormap: "grey" });
    expect(a.snap.coverage).toBeGreaterThan(0.01);
    // README's viewer: drawn completely, with its own initial state (timestep 1), beside viewer A.
    // (Polling the whole console log: a failure prints what the page did say.)
    await expect.poll(() => logs.join("\n"), { timeout: 90_000 }).toMatch(/^drawn true$/m);
    await expect.poll(() => logs.some((l) => l.startsWith("view 1 "))).toBe(true);
    await expect(page.locator("#viewer .canvas-host canvas")).toHaveCount(1);
    await expect(page.locator("#a .canvas-host canvas")).toHaveCount(1);

    // A click in the middle of viewer A hits the ball, and onPick hears of it.
    const canvas = page.locator("#a .canvas-host");
    const box = (await canvas.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => (window as unknown as W).picks.some((p) => p?.value !== undefined));
    const pick = await page.evaluate(() =>
      (window as unknown as W).picks.find((p) => p?.value !== undefined),
    );
    // Inside the ball values are 0.5..1 (a coarse level's average a little less); outside 0.
    expect(pick!.value!).toBeGreaterThan(0.25);
    expect(pick!.value!).toBeLessThanOrEqual(1);
    expect(new URL(page.url()).search).toBe("?keep=1");
    expect(errors).toEqual([]);
  });
});
