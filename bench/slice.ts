/**
 * What one full-resolution slice costs over loopback HTTP (`flatvox serve`'s
 * range handler, counted on the server): the XY, XZ and YZ slices through the
 * middle of level 0 of one timestep, each read cold (a fresh source after the
 * open) as a 1-voxel-thick region, against the stored bytes of the brick
 * layer it crosses and against reading the whole level-0 volume.
 *
 * Usage: npx tsx bench/slice.ts --file .cache/demo-large/gray-scott-256.fvx [--t 1]
 * Prints JSON.
 */
import { basename, dirname } from "node:path";
import { createSource } from "../src/io/create-source";
import { openDataset } from "../src/reader";
import type { Vec3 } from "../src/shared/types";
import { PANES, sliceBox, sliceBricks } from "../src/viewer/slices/slice-geometry";
import { startCountingServer } from "./lib/counting-server";
import { argNumber, argString, environment, printJson } from "./lib/report";

const file = argString("file");
if (!file) throw new Error("--file <dataset.fvx> is required");
const server = await startCountingServer(dirname(file));
const url = `${server.url}${basename(file)}`;

/** Open fresh, then count only what `fn` fetches. */
async function cold(fn: (ds: Awaited<ReturnType<typeof openDataset>>) => Promise<unknown>) {
  const ds = await openDataset(createSource(url));
  server.reset();
  const t0 = performance.now();
  await fn(ds);
  const ms = performance.now() - t0;
  const c = server.counts();
  return { requests: c.requests, bytes: c.bytes, ms: Math.round(ms) };
}

const probe = await openDataset(createSource(url));
const info = probe.info;
const t = Math.min(argNumber("t", 1), info.times.length - 1);
const field = info.fields[0].name;
const mid = info.dims.map((d) => d >> 1) as Vec3;
const volumeStored = await (async () => {
  let n = 0;
  const b = info.levels[0].bricks;
  for (let z = 0; z < b[2]; z++)
    for (let y = 0; y < b[1]; y++)
      for (let x = 0; x < b[0]; x++) n += (await probe.brickEntry(field, t, 0, [x, y, z])).length;
  return n;
})();
const slices: Record<string, unknown> = {};
for (const p of PANES) {
  const index = mid[p.normal];
  const bricks = sliceBricks({ dims: info.dims, brickSize: info.brickSize }, p, index);
  let stored = 0;
  for (const b of bricks) stored += (await probe.brickEntry(field, t, 0, b)).length;
  const m = await cold((ds) => ds.readRegion({ field, t, box: sliceBox(info.dims, p, index) }));
  slices[p.name] = {
    index,
    bricks: bricks.length,
    storedBytes: stored,
    ...m,
    bytesOverStored: +(m.bytes / stored).toFixed(3),
  };
}
const volume = await cold((ds) => ds.readRegion({ field, t, box: { min: [0, 0, 0], max: info.dims } }));
printJson({
  bench: "slice",
  file: basename(file),
  dims: info.dims,
  brickSize: info.brickSize,
  field,
  t,
  volumeStoredBytes: volumeStored,
  slices,
  volume,
  environment: environment(),
});
await server.stop();
