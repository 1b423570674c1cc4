/**
 * A dataset growing under an open viewer: with `watch=1` the viewer polls the
 * served file, `flatvox append` adds timesteps to it, the banner counts them,
 * and "reload" reopens the dataset with the new steps, keeping the view.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { waitViewerReady } from "../helpers/viewer-page";

type Hook = {
  ready: Promise<void>;
  isReady: boolean;
  info(): { times: number[] } | undefined;
  state(): { t: number; field?: string; colormap: string } | undefined;
  setState(p: Record<string, unknown>): void;
  whenIdle(): Promise<unknown>;
};
type W = { __flatvox: Hook };

const N = 24;

/** A little-endian f32 .npy of shape (N, N, N). */
function writeNpy(path: string, seed: number): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${N}, ${N}, ${N}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += `${" ".repeat(pad % 64)}\n`;
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = new Float32Array(N * N * N);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.01 + seed) * 0.5 + 0.5;
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, "latin1"), Buffer.from(data.buffer)]));
}

function flatvox(args: string[]): void {
  const r = spawnSync("node", ["bin/flatvox.js", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`flatvox ${args.join(" ")} failed: ${r.stderr}`);
}

test("a growing dataset: the banner counts new timesteps, reload shows them and keeps the view", async ({
  page,
}) => {
  const name = `growing-${process.pid}.fvx`;
  const file = `.cache/site/data/${name}`;
  const inputs = [0, 1].map((i) => `.cache/grow-${process.pid}-${i}.npy`);
  try {
    flatvox(["demo", "scalar", "--size", String(N), "--steps", "3", "--fields", "v", "-q", "-o", file]);
    inputs.forEach((p, i) => {
      writeNpy(p, i);
    });
    const requests: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes(name)) requests.push(r.headers().range ?? "");
    });
    await page.goto(`/?url=data/${name}&watch=1&t=2&cm=magma`);
    await waitViewerReady(page);
    expect(await page.evaluate(() => (window as unknown as W).__flatvox.info()?.times.length)).toBe(3);
    // Polling: 1-byte range requests, no banner while nothing changes.
    await expect
      .poll(() => requests.filter((r) => r === "bytes=0-0").length, { timeout: 10_000 })
      .toBeGreaterThan(1);
    await expect(page.getByTestId("growth-banner")).toHaveCount(0);

    flatvox(["append", file, ...inputs, "-q"]);
    await expect(page.getByTestId("growth-count")).toHaveText("2 new timesteps", { timeout: 15_000 });

    await page.getByTestId("growth-reload").click();
    await expect(page.getByTestId("growth-banner")).toHaveCount(0);
    await page.waitForFunction(
      () => (window as unknown as W).__flatvox.info()?.times.length === 5,
      undefined,
      { timeout: 30_000 },
    );
    const state = await page.evaluate(() => (window as unknown as W).__flatvox.state());
    expect(state?.t).toBe(2); // the view is kept
    expect(state?.colormap).toBe("magma");
    // The new steps are there to show.
    await page.evaluate(() => (window as unknown as W).__flatvox.setState({ t: 4 }));
    await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
    expect(await page.evaluate(() => (window as unknown as W).__flatvox.state()?.t)).toBe(4);
    // Still watching after the reload: another append is noticed again.
    flatvox(["append", file, inputs[0], "-q"]);
    await expect(page.getByTestId("growth-count")).toHaveText("1 new timestep", { timeout: 15_000 });
  } finally {
    rmSync(file, { force: true });
    for (const p of inputs) rmSync(p, { force: true });
  }
});
