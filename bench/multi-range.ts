/**
 * Multi-range requests on and off, same code, same process, interleaved: the
 * 100³ unaligned region (8 bricks, 8 separate runs in Morton order) and the
 * 256×256×32 slab of the 256³ × 4 f32 structured field over one nginx.
 * `multiRange: "auto"` (Node: several runs per request) vs `"never"` (one
 * request per run); requests from the reader's own accounting, wall-time
 * medians per mode and their ratio.
 *
 * Usage: npx tsx bench/multi-range.ts [--runs 15] [--structured-size 256]
 * Prints JSON.
 */
import { basename, dirname } from "node:path";
import { createSource } from "../src/io/create-source";
import type { MultiRangeMode } from "../src/io/http-source";
import { openDataset } from "../src/reader";
import type { Box3 } from "../src/shared/types";
import { startCountingNginx } from "./lib/counting-server";
import { argNumber, environment, median, printJson } from "./lib/report";
import { ensureStructured } from "./lib/structured-field";

const size = argNumber("structured-size", 256);
const runs = argNumber("runs", 15);
const path = await ensureStructured({ size, steps: 4 });
const server = await startCountingNginx({ "/f/": dirname(path) });
const url = `${server.url}f/${basename(path)}`;
const c = size / 2;
const cases: Record<string, Box3> = {
  unaligned100: { min: [c - 50, c - 50, c - 50], max: [c + 50, c + 50, c + 50] },
  slab: { min: [0, 0, c - 16], max: [size, size, c + 16] },
};
const modes: MultiRangeMode[] = ["auto", "never"];
const out: Record<string, unknown> = {};
const loadStart = (await import("node:os")).loadavg();
try {
  for (const [name, box] of Object.entries(cases)) {
    const ms: Record<string, number[]> = { auto: [], never: [] };
    const requests: Record<string, number> = {};
    const bytes: Record<string, number> = {};
    for (let r = 0; r < runs; r++) {
      for (const mode of r % 2 ? [...modes].reverse() : modes) {
        const src = createSource(url, { multiRange: mode });
        const ds = await openDataset(src);
        src.reset();
        const t0 = performance.now();
        await ds.readRegion({ field: 0, t: 3, level: 0, box });
        ms[mode].push(performance.now() - t0);
        requests[mode] = src.stats().requests;
        bytes[mode] = src.stats().bytes;
      }
    }
    const med = { auto: median(ms.auto), never: median(ms.never) };
    out[name] = {
      requests,
      bytes,
      medianMs: med,
      rangeMs: {
        auto: [Math.min(...ms.auto), Math.max(...ms.auto)],
        never: [Math.min(...ms.never), Math.max(...ms.never)],
      },
      ratioAutoToNever: Number((med.auto / med.never).toFixed(3)),
    };
  }
} finally {
  await server.stop();
}
printJson({
  bench: "multi-range",
  runs,
  loadavgAtStart: loadStart.map((x) => Number(x.toFixed(2))),
  loadavgAtEnd: (await import("node:os")).loadavg().map((x) => Number(x.toFixed(2))),
  env: environment(),
  ...out,
});
process.exit(0);
