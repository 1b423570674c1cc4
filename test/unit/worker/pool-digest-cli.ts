// Node side of the browser comparison: `tsx test/unit/worker/pool-digest-cli.ts <file.fvx>` prints the digest as JSON.
import { FileSource } from "../../../src/io/file-source";
import { WorkerPool } from "../../../src/worker/pool";
import { poolDigest } from "./pool-digest";

async function main(): Promise<void> {
  const pool = new WorkerPool({ size: 2 });
  try {
    const src = await FileSource.open(process.argv[2]);
    const digest = await poolDigest(src, pool);
    await src.close?.();
    process.stdout.write(`${JSON.stringify(digest)}\n`);
  } finally {
    await pool.terminate();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
