/**
 * 32 MiB to a decode worker and back through the pool (Comlink over
 * worker_threads), transferred both ways, against the same round trip with
 * structured cloning (plain postMessage without a transfer list).
 * Asserts the sender's buffer is detached after the transfer.
 * Usage: npx tsx bench/transfer.ts [--mib 32] [--reps 30]. Prints JSON.
 */
import { Worker } from "node:worker_threads";
import { WorkerPool } from "../src/worker/pool";
import { argNumber, median } from "./lib/report";

async function main(): Promise<void> {
  const bytes = argNumber("mib", 32) * 1024 * 1024;
  const reps = argNumber("reps", 30);
  const pool = new WorkerPool({ size: 1 });
  await pool.info();

  let buf = new ArrayBuffer(bytes);
  new Uint8Array(buf).fill(7);
  const transferMs: number[] = [];
  let detached = true;
  for (let i = 0; i < reps + 3; i++) {
    const sent = buf;
    const t0 = performance.now();
    buf = await pool.echo(sent);
    const ms = performance.now() - t0;
    detached &&= sent.byteLength === 0 && buf !== sent; // moved out, a new buffer moved back
    if (i >= 3) transferMs.push(ms);
  }
  const intact = buf.byteLength === bytes && new Uint8Array(buf)[bytes - 1] === 7;
  await pool.terminate();

  // Baseline: the same round trip, cloned both ways.
  const echo = new Worker(
    "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));",
    { eval: true },
  );
  const cloneMs: number[] = [];
  for (let i = 0; i < Math.min(reps, 8) + 1; i++) {
    const t0 = performance.now();
    const back = await new Promise<ArrayBuffer>((resolve) => {
      echo.once("message", resolve);
      echo.postMessage(buf);
    });
    if (i >= 1) cloneMs.push(performance.now() - t0);
    if (back.byteLength !== bytes) throw new Error("clone echo lost bytes");
  }
  await echo.terminate();

  const med = median(transferMs);
  const result = {
    bench: "transfer",
    bytes,
    reps,
    transfer: { medianMs: med, minMs: Math.min(...transferMs), maxMs: Math.max(...transferMs) },
    clone: { medianMs: median(cloneMs) },
    speedup: median(cloneMs) / med,
    senderDetached: detached,
    dataIntact: intact,
    goal: { roundTripMs: 1, met: med <= 1 && detached && intact },
  };
  console.log(JSON.stringify(result, null, 2));
  if (!detached || !intact) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
