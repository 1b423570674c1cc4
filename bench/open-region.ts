/**
 * Opening a remote dataset and reading regions of it, cold, over loopback HTTP
 * (`flatvox serve`'s range handler): requests and bytes counted on the server
 * and by the reader's accounting, wall time as the median of several runs.
 *
 * For each demo dataset (128³ by default, generated into .cache/bench/ once):
 *  - open: requests, bytes, ms;
 *  - full: the whole of level 0 of one timestep, one field (128³);
 *  - sub64: a 64³ sub-region off the brick grid ([32,96)³, touching 8 bricks of 64³);
 *  - sub64Aligned: a 64³ sub-region on the brick grid ([0,64)³, one brick).
 * Each run opens a fresh source (nothing cached between runs).
 *
 * Usage: npx tsx bench/open-region.ts [--runs 7] [--size 128] [--steps 4] [--t 3]
 *        [--gray-scott path.fvx] [--material-world path.fvx]
 * Prints JSON.
 */
import { basename, dirname } from "node:path";
import { createSource } from "../src/io/create-source";
import { openDataset } from "../src/reader";
import type { Box3 } from "../src/shared/types";
import { startCountingServer } from "./lib/counting-server";
import { type DemoKind, ensureDemo } from "./lib/demo-data";
import { argNumber, argString, environment, printJson, summarize } from "./lib/report";

interface Measure {
  requests: number;
  bytes: number;
  /** Requests and bytes the reader's own accounting reports (must agree with the server). */
  clientRequests: number;
  clientBytes: number;
  ms: number[];
}

async function benchDataset(kind: DemoKind, path: string, runs: number, tArg: number) {
  const server = await startCountingServer(dirname(path));
  const url = `${server.url}${basename(path)}`;
  const probe = await openDataset(createSource(url));
  const { dims } = probe.info;
  const t = Math.min(tArg, probe.info.times.length - 1);
  const field = probe.info.fields[0];
  const regions: Record<string, Box3> = {
    full: { min: [0, 0, 0], max: dims },
    sub64: {
      min: dims.map((d) => Math.max(0, (d >> 1) - 32)) as Box3["min"],
      max: dims.map((d) => Math.min(d, (d >> 1) + 32)) as Box3["max"],
    },
    sub64Aligned: { min: [0, 0, 0], max: dims.map((d) => Math.min(d, 64)) as Box3["max"] },
  };
  const results: Record<string, Measure & { voxels?: number }> = {};
  const measure = (name: string): Measure => {
    results[name] ??= { requests: 0, bytes: 0, clientRequests: 0, clientBytes: 0, ms: [] };
    return results[name];
  };
  const record = (m: Measure, ms: number, stats: { requests: number; bytes: number }) => {
    const c = server.counts();
    m.requests = c.requests;
    m.bytes = c.bytes;
    m.clientRequests = stats.requests;
    m.clientBytes = stats.bytes;
    m.ms.push(ms);
  };

  for (let run = 0; run < runs; run++) {
    // Open, cold.
    server.reset();
    let src = createSource(url);
    let t0 = performance.now();
    await openDataset(src);
    record(measure("open"), performance.now() - t0, src.stats());

    for (const [name, box] of Object.entries(regions)) {
      src = createSource(url);
      const ds = await openDataset(src);
      src.reset();
      server.reset();
      t0 = performance.now();
      const out = await ds.readRegion({ field: field.name, t, level: 0, box });
      const ms = performance.now() - t0;
      const m = measure(name);
      record(m, ms, src.stats());
      (m as { voxels?: number }).voxels = out.length;
    }
  }
  await server.stop();
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, m]) => [name, { ...m, ms: summarize(m.ms) }]),
  );
  return {
    dataset: kind,
    path,
    fileBytes: probe.info.size,
    dims,
    brickSize: probe.info.brickSize,
    field: { name: field.name, dtype: field.dtype },
    t,
    regions: Object.fromEntries(
      Object.entries(regions).map(([k, b]) => [
        k,
        `[${b.min[0]},${b.max[0]})×[${b.min[1]},${b.max[1]})×[${b.min[2]},${b.max[2]})`,
      ]),
    ),
    ...summary,
  };
}

async function main() {
  const runs = argNumber("runs", 7);
  const size = argNumber("size", 128);
  const steps = argNumber("steps", 4);
  const t = argNumber("t", 3);
  const out = [];
  for (const kind of ["gray-scott", "material-world"] as const) {
    const path = argString(kind) ?? (await ensureDemo(kind, { size, steps }));
    out.push(await benchDataset(kind, path, runs, t));
  }
  printJson({
    bench: "open-region",
    transport: "loopback HTTP/1.1, flatvox serve range handler, createSource defaults",
    runs,
    env: environment(),
    datasets: out,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
