/**
 * `flatvox view`: the compiled CLI serves the built viewer and a local file on
 * one port and prints the link, which renders the data; and a local `.fvx`
 * opened in the page through the file picker is read in place (no request
 * for it), with the same reader and picking.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { packedTarball, ROOT } from "../helpers/package";

let dir: string;
let file: string;
let view: ChildProcess | undefined;
let link: string;

type Hook = {
  ready: Promise<void>;
  info(): { dims: number[]; fields: { name: string }[]; times: number[] };
  whenIdle(): Promise<unknown>;
  snapshot(): { coverage: number };
  pickAt(x: number, y: number): Promise<{ value?: number; ijk: number[] } | undefined>;
};
type W = { __flatvox: Hook };

async function readyInfo(page: Page) {
  return page.evaluate(async () => {
    const h = (window as unknown as W).__flatvox;
    await h.ready;
    await h.whenIdle();
    return { info: h.info(), coverage: h.snapshot().coverage };
  });
}

test.beforeAll(async ({ browserName: _ }, info) => {
  info.setTimeout(600_000);
  packedTarball(); // builds dist/ (and packs it) under the lock the other package tests share
  dir = mkdtempSync(join(tmpdir(), "fvx-view-"));
  file = join(dir, "run.fvx");
  const cli = [
    "bin/flatvox.js",
    "demo",
    "scalar",
    "--size",
    "32",
    "--steps",
    "3",
    "--brick",
    "16",
    "-q",
    "-o",
    file,
  ];
  execFileSync("node", cli, { cwd: ROOT, env: { ...process.env, FLATVOX_CLI: "dist" } });
  view = spawn("node", ["bin/flatvox.js", "view", file, "--no-open"], {
    cwd: ROOT,
    env: { ...process.env, FLATVOX_CLI: "dist" },
  });
  link = await new Promise<string>((ok, fail) => {
    let out = "";
    view!.stdout!.on("data", (d) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/\?url=\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    view!.stderr!.on("data", (d) => {
      out += d;
    });
    view!.once("exit", (code) => fail(new Error(`flatvox view exited (${code}): ${out}`)));
  });
});

test.afterAll(() => {
  view?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("flatvox view prints a link that opens the file in the viewer, from one port", async ({ page }) => {
  const origin = new URL(link).origin;
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(link);
  const { info, coverage } = await readyInfo(page);
  expect(info.dims).toEqual([32, 32, 32]);
  expect(info.times.length).toBe(3);
  expect(coverage).toBeGreaterThan(0.01);
  // The app keeps its address a link to the view (the camera included).
  await page.waitForFunction(() => location.search.includes("cam=") && location.search.includes("url="));
  // Viewer and data from the same server; only the named file is reachable.
  expect(requests.every((u) => u.startsWith(origin))).toBe(true);
  expect(requests.some((u) => u.includes("/data/0/run.fvx"))).toBe(true);
  const size = statSync(file).size;
  const ranged = await page.evaluate(async () => {
    const r = await fetch("data/0/run.fvx", { headers: { Range: "bytes=0-7" } });
    return {
      status: r.status,
      range: r.headers.get("content-range"),
      bytes: [...new Uint8Array(await r.arrayBuffer())],
    };
  });
  expect(ranged.status).toBe(206);
  expect(ranged.range).toBe(`bytes 0-7/${size}`);
  expect(ranged.bytes).toEqual([...readFileSync(file).subarray(0, 8)]);
  const other = await page.evaluate(async () => (await fetch("data/0/other.fvx")).status);
  expect(other).toBe(404);
});

test("a local .fvx opened with the file picker is read in place and picks", async ({ page }) => {
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(new URL(link).origin);
  await page.getByTestId("local-file").locator("input[type=file]").setInputFiles(file);
  const { info, coverage } = await readyInfo(page);
  expect(info.dims).toEqual([32, 32, 32]);
  expect(coverage).toBeGreaterThan(0.01);
  expect(requests.filter((u) => u.includes(".fvx"))).toEqual([]);
  await expect(page.locator(".ds-name")).toHaveText("run.fvx");
  // A pick through the middle of the canvas finds a voxel of the local file.
  const canvas = page.locator(".canvas-host");
  const box = (await canvas.boundingBox())!;
  const hit = await page.evaluate(
    ([x, y]) => (window as unknown as W).__flatvox.pickAt(x, y),
    [box.width / 2, box.height / 2],
  );
  expect(hit?.ijk.every((c) => c >= 0 && c < 32)).toBe(true);
  expect(typeof hit?.value).toBe("number");
  // The offline cache keeps it under its name, size and modification time.
  const { size, mtimeMs } = statSync(file);
  const keys = await page.evaluate(async () => {
    const w = window as unknown as {
      __flatvoxOffline: {
        cache(): Promise<{ flush(): Promise<void>; list(): Promise<{ key: string }[]> } | undefined>;
      };
    };
    const cache = await w.__flatvoxOffline.cache();
    await cache?.flush();
    return (await cache?.list())?.map((d) => d.key) ?? [];
  });
  const key = keys.find((k) => k.startsWith(`file:run.fvx@${size}-`));
  expect(key, keys.join(", ")).toBeDefined();
  expect(Math.abs(Number(key!.split("-").pop()) - mtimeMs)).toBeLessThan(1000);
});
