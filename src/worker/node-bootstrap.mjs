// Node worker-thread entry: lets the thread load the TypeScript worker module
// (through tsx, which the CLI uses too), then runs it.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
