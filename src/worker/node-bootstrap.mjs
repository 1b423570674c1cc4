// Node worker-thread entry: runs the worker module. A TypeScript entry (a
// source checkout) is loaded through tsx, which the CLI uses there too; the
// compiled package's entry is plain JavaScript and needs no loader.
import { workerData } from "node:worker_threads";

if (workerData.entry.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.entry);
