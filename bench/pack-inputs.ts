/**
 * Packing from each input format: the same synthetic f32 field (default
 * 128³ × 8, see lib/fields.ts) written as .npy, as a Zarr v3 array (chunks
 * 1×64³; uncompressed and gzip) and as an HDF5 dataset (chunks 1×64³;
 * uncompressed and gzip level 1), then packed by the default packer. Reports
 * input MB/s per format and its ratio to .npy in the same process (rounds
 * interleaved), and checks every output equals the .npy one.
 * Usage: npx tsx bench/pack-inputs.ts [--n 128] [--steps 8] [--rounds 2]
 * Prints JSON.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import FileSystemStore from "@zarrita/storage/fs";
import h5wasm from "h5wasm/node";
import * as zarr from "zarrita";
import { readHdf5 } from "../src/writer/inputs/hdf5";
import { readNpy } from "../src/writer/inputs/npy";
import type { InputDataset } from "../src/writer/inputs/series";
import { readZarr } from "../src/writer/inputs/zarr";
import { packDataset } from "../src/writer/packer";
import { smoothField } from "./lib/fields";
import { argNumber, median, printJson } from "./lib/report";

const n = argNumber("n", 128);
const steps = argNumber("steps", 8);
const rounds = argNumber("rounds", 2);

const dir = mkdtempSync(join(tmpdir(), "fvx-inputs-"));
const voxels = n * n * n;
const all = new Float32Array(voxels * steps);
for (const s of smoothField(n, steps)) all.set(s.fields.density as Float32Array, s.index * voxels);

/** A (T, n, n, n) little-endian f4 .npy file. */
function writeNpy(path: string): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${steps}, ${n}, ${n}, ${n}), }`;
  header += `${" ".repeat(63 - ((10 + header.length) % 64))}\n`;
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, header.length, true);
  head.set(new TextEncoder().encode(header), 10);
  writeFileSync(path, Buffer.concat([head, new Uint8Array(all.buffer)]));
}

/** zarrita cannot encode gzip: write the chunks plain, then gzip each one and list the codec. */
async function writeZarr(path: string, gzip: boolean): Promise<void> {
  const arr = await zarr.create(new FileSystemStore(path), {
    shape: [steps, n, n, n],
    chunkShape: [1, 64, 64, 64],
    dtype: "float32",
  });
  await zarr.set(arr, null, { data: all, shape: [steps, n, n, n], stride: [voxels, n * n, n, 1] });
  if (!gzip) return;
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  for (const f of walk(join(path, "c"))) writeFileSync(f, gzipSync(readFileSync(f), { level: 1 }));
  const meta = JSON.parse(readFileSync(join(path, "zarr.json"), "utf8"));
  meta.codecs = [...meta.codecs, { name: "gzip", configuration: { level: 1 } }];
  writeFileSync(join(path, "zarr.json"), JSON.stringify(meta));
}

function writeHdf5(path: string, gzip: boolean): void {
  const f = new h5wasm.File(path, "w");
  f.create_dataset({
    name: "density",
    data: all,
    shape: [steps, n, n, n],
    dtype: "<f",
    chunks: [1, 64, 64, 64],
    ...(gzip ? { compression: 1 } : {}),
  });
  f.close();
}

await h5wasm.ready;
const inputs: { name: string; open: () => Promise<InputDataset> }[] = [];
writeNpy(join(dir, "a.npy"));
inputs.push({ name: "npy", open: () => readNpy([join(dir, "a.npy")], { field: "density" }) });
for (const gzip of [false, true]) {
  const z = join(dir, `a${gzip ? "-gzip" : ""}.zarr`);
  await writeZarr(z, gzip);
  inputs.push({ name: `zarr${gzip ? "+gzip" : ""}`, open: () => readZarr([z], { field: "density" }) });
  const h = join(dir, `a${gzip ? "-gzip" : ""}.h5`);
  writeHdf5(h, gzip);
  inputs.push({ name: `hdf5${gzip ? "+gzip" : ""}`, open: () => readHdf5([h], { field: "density" }) });
}

const seconds = new Map<string, number[]>(inputs.map((i) => [i.name, []]));
const outputs = new Map<string, Buffer>();
for (let r = 0; r < rounds; r++) {
  for (const i of inputs) {
    const input = await i.open();
    const out = join(dir, `${i.name}.fvx`);
    const t0 = performance.now();
    await packDataset({ ...input.spec, metadata: {} }, input.steps, out, { brickSize: 64 });
    seconds.get(i.name)!.push((performance.now() - t0) / 1000);
    if (r === 0) outputs.set(i.name, readFileSync(out));
  }
}
rmSync(dir, { recursive: true, force: true });

const mb = (voxels * steps * 4) / 1e6;
const npy = median(seconds.get("npy")!);
const strip = (b: Buffer) => b.subarray(65536); // the body: the header records the input's name and type
printJson({
  bench: "pack-inputs",
  grid: [n, n, n],
  steps,
  inputMB: mb,
  loadAverage1m: loadavg()[0],
  formats: Object.fromEntries(
    inputs.map((i) => {
      const s = median(seconds.get(i.name)!);
      return [
        i.name,
        {
          seconds: +s.toFixed(2),
          inputMBps: +(mb / s).toFixed(1),
          timeVsNpy: +(s / npy).toFixed(2),
          sameBricksAsNpy: Buffer.compare(strip(outputs.get(i.name)!), strip(outputs.get("npy")!)) === 0,
          runs: seconds.get(i.name)!.map((x) => +x.toFixed(2)),
        },
      ];
    }),
  ),
});
