/**
 * Packing at realistic sizes, end to end as a user runs it: `flatvox pack
 * in.npy -o out.fvx` with default options, under /usr/bin/time for peak RSS.
 * Inputs are f32 .npy files with simulation-like structure (smooth blobs plus
 * noise), generated plane by plane (never whole in memory) into --dir.
 *
 *   npx tsx bench/pack-large.ts                       # 256³, 512³, 1024³ × 3 steps, then 2048×2048×256 × 2
 *   npx tsx bench/pack-large.ts --grids 256,512 --steps 2
 *   npx tsx bench/pack-large.ts --huge                # also one 2048³ timestep (32 GiB of input)
 *
 * Prints JSON: per grid, input bytes, seconds, input MB/s, peak RSS; and peak
 * RSS over the largest timestep's bytes, which must stay flat.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

type Grid = [number, number, number];

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const steps = Number(opt("steps", "3"));
const dir = opt("dir", join(process.cwd(), ".cache", "pack-large"));
const grids: { dims: Grid; steps: number }[] = opt("grids", "256,512,1024")
  .split(",")
  .map((n) => ({ dims: [Number(n), Number(n), Number(n)] as Grid, steps }));
if (!args.includes("--no-wide")) grids.push({ dims: [2048, 2048, 256], steps: 2 });
if (args.includes("--huge")) grids.push({ dims: [2048, 2048, 2048], steps: 1 });

/** A (T, nz, ny, nx) little-endian f32 .npy written plane by plane. */
function writeNpy(path: string, [nx, ny, nz]: Grid, T: number): number {
  const shape = T > 1 ? `(${T}, ${nz}, ${ny}, ${nx})` : `(${nz}, ${ny}, ${nx})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64);
  header += "\n";
  const pre = new Uint8Array(10);
  pre.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(pre.buffer).setUint16(8, header.length, true);
  const fd = openSync(path, "w");
  writeSync(fd, pre);
  writeSync(fd, new TextEncoder().encode(header));
  const plane = new Float32Array(nx * ny);
  const row = new Float32Array(nx);
  let seed = 12345;
  for (let t = 0; t < T; t++)
    for (let z = 0; z < nz; z++) {
      const fz = z / nz;
      for (let y = 0; y < ny; y++) {
        const fy = y / ny;
        const base = Math.sin(6.3 * fy + 0.3 * t) * Math.cos(4.1 * fz);
        for (let x = 0; x < nx; x++) {
          seed = (seed * 1664525 + 1013904223) >>> 0;
          const fx = x / nx;
          // Smooth structure plus small noise: compresses like real float output (not like zeros).
          row[x] = base + Math.sin(9.7 * fx + 2 * fz - 0.2 * t) + (seed / 2 ** 32 - 0.5) * 1e-3;
        }
        plane.set(row, y * nx);
      }
      writeSync(fd, new Uint8Array(plane.buffer));
    }
  closeSync(fd);
  return statSync(path).size;
}

mkdirSync(dir, { recursive: true });
const results: Record<string, unknown>[] = [];
for (const g of grids) {
  const [nx, ny, nz] = g.dims;
  const name = `${nx}x${ny}x${nz}x${g.steps}`;
  const input = join(dir, `${name}.npy`);
  const output = join(dir, `${name}.fvx`);
  process.stderr.write(`pack-large: writing ${name}.npy\n`);
  const inputBytes = writeNpy(input, g.dims, g.steps);
  process.stderr.write(`pack-large: packing ${name}\n`);
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "%M %e", "node", "bin/flatvox.js", "pack", input, "-o", output, "-q"],
    {
      encoding: "utf8",
    },
  );
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [rssKb, seconds] = last.split(" ").map(Number);
  const stepBytes = nx * ny * nz * 4;
  results.push({
    grid: g.dims,
    steps: g.steps,
    ok: r.status === 0,
    ...(r.status === 0 ? {} : { error: r.stderr.slice(-2000) }),
    inputBytes,
    outputBytes: r.status === 0 ? statSync(output).size : 0,
    seconds,
    inputMBps: +(inputBytes / 1e6 / seconds).toFixed(1),
    peakRssMiB: +(rssKb / 1024).toFixed(0),
    timestepMiB: +(stepBytes / 2 ** 20).toFixed(0),
    rssOverTimestep: +((rssKb * 1024) / stepBytes).toFixed(3),
  });
  process.stderr.write(`${JSON.stringify(results[results.length - 1])}\n`);
  rmSync(input, { force: true });
  rmSync(output, { force: true });
}
console.log(JSON.stringify({ bench: "pack-large", options: "flatvox pack defaults", results }, null, 2));
