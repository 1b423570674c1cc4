/**
 * Sharded packing against one process on the same input: N part processes in
 * parallel + merge vs one `flatvox demo` process. Prints JSON: wall times,
 * merge copy rate (MB/s of brick bytes), and a 10 TB / 64-node projection from
 * the measured per-part input rate (a projection, not a measurement).
 *   npx tsx bench/pack-sharded.ts [--size 128] [--steps 12] [--parts 2]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const size = Number(arg("size", "128"));
const steps = Number(arg("steps", "12"));
const N = Number(arg("parts", "2"));
const bin = resolve(import.meta.dirname, "../bin/flatvox.js");
const dir = mkdtempSync(join(tmpdir(), "fvx-sharded-"));
const demo = ["demo", "scalar", "--size", `${size}`, "--steps", `${steps}`, "--workers", "1", "-q"];

function run(args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.on("exit", (c) => (c === 0 ? ok(out) : fail(new Error(`flatvox ${args.join(" ")} exited ${c}`))));
  });
}

const t0 = performance.now();
await run([...demo, "-o", join(dir, "single.fvx")]);
const single = (performance.now() - t0) / 1000;
const t1 = performance.now();
await Promise.all(
  [...Array(N).keys()].map((i) => run([...demo, "--part", `${i}/${N}`, "-o", join(dir, `p${i}.fvx`)])),
);
const partsWall = (performance.now() - t1) / 1000;
const t2 = performance.now();
const mergeOut = await run([
  "merge",
  ...[...Array(N).keys()].map((i) => join(dir, `p${i}.fvx`)),
  "-o",
  join(dir, "m.fvx"),
]);
const mergeWall = (performance.now() - t2) / 1000;
const copied = /copied ([\d.]+) MB of bricks in ([\d.]+) s/.exec(mergeOut);
const inputBytes = size ** 3 * 4 * steps;
const perPartRate = inputBytes / N / partsWall; // bytes/s of input per part process
const tenTB = 1e13;
console.log(
  JSON.stringify(
    {
      input: { demo: "scalar", size, steps, inputMB: inputBytes / 1e6 },
      singleSeconds: single,
      parts: N,
      partsWallSeconds: partsWall,
      mergeWallSeconds: mergeWall,
      shardedTotalSeconds: partsWall + mergeWall,
      ratioShardedToSingle: (partsWall + mergeWall) / single,
      mergeCopyMBps: copied ? Number(copied[1]) / Number(copied[2]) : null,
      outputMB: statSync(join(dir, "m.fvx")).size / 1e6,
      projection: {
        note: "projection from the measured per-part input rate, not a measurement",
        perPartInputMBps: perPartRate / 1e6,
        nodes: 64,
        tenTBPackHours: tenTB / (64 * perPartRate) / 3600,
      },
    },
    null,
    2,
  ),
);
rmSync(dir, { recursive: true, force: true });
