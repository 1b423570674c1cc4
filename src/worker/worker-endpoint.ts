/**
 * The one environment-specific piece of worker code: the message endpoint
 * Comlink talks through. A Web Worker is its own endpoint; a Node worker
 * thread talks through `parentPort`, adapted by comlink's node adapter.
 */
import type { Endpoint } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { FlatvoxError } from "../shared/errors";

/** True inside a Web Worker (dedicated or shared). */
export function inWebWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: unknown; postMessage?: unknown };
  return typeof g.WorkerGlobalScope !== "undefined" && typeof g.postMessage === "function";
}

/** The endpoint of the current worker: synchronous in browsers, after one import in Node. */
export function workerEndpoint(): Endpoint | Promise<Endpoint> {
  if (inWebWorker()) return globalThis as unknown as Endpoint;
  return (async () => {
    // A computed specifier keeps browser bundlers from resolving a Node builtin.
    const name = "node:worker_threads";
    const { parentPort } = (await import(/* @vite-ignore */ name)) as typeof import("node:worker_threads");
    if (!parentPort) throw new FlatvoxError("WorkerError", "decode worker started outside a worker thread");
    return nodeEndpoint(parentPort as never) as Endpoint;
  })();
}
