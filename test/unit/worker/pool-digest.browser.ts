// Browser entry for test/browser/worker-pool.spec.ts: runs the digest through Web Workers.
import { WorkerPool } from "../../../src/worker/pool";
import { poolDigest } from "./pool-digest";

export async function run(url: string) {
  const pool = new WorkerPool({ size: 2 });
  try {
    return await poolDigest(url, pool);
  } finally {
    await pool.terminate();
  }
}

(globalThis as { fvxPoolDigest?: typeof run }).fvxPoolDigest = run;
