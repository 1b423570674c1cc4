/**
 * Starting one decode worker in the current environment: a module Web Worker
 * in browsers (the literal `new Worker(new URL(...))` form lets Vite bundle
 * it), a worker thread in Node (through a bootstrap that can load the
 * TypeScript entry). Both run the same decode-worker.ts.
 */
import type { Endpoint } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { FlatvoxError } from "../shared/errors";

export interface SpawnedWorker {
  endpoint: Endpoint;
  /** Called once when the worker dies or fails to load. */
  onFailure(cb: (e: unknown) => void): void;
  terminate(): Promise<void>;
  /** Node: let the process exit while the worker idles (no-ops in browsers). */
  ref(): void;
  unref(): void;
}

export type WorkerFactory = () => Promise<SpawnedWorker>;

export function workersAvailable(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === "function" || isNode();
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}

export const spawnDecodeWorker: WorkerFactory = async () => {
  if (typeof (globalThis as { Worker?: unknown }).Worker === "function") return spawnWebWorker();
  if (isNode()) return spawnNodeWorker();
  throw new FlatvoxError("WorkerError", "no worker support in this environment");
};

function spawnWebWorker(): SpawnedWorker {
  const worker = new Worker(new URL("./decode-worker.ts", import.meta.url), { type: "module" });
  return {
    endpoint: worker,
    onFailure(cb) {
      worker.addEventListener("error", (e) =>
        cb(new FlatvoxError("WorkerError", `decode worker failed: ${e.message}`)),
      );
      worker.addEventListener("messageerror", () =>
        cb(new FlatvoxError("WorkerError", "decode worker message error")),
      );
    },
    async terminate() {
      worker.terminate();
    },
    ref() {},
    unref() {},
  };
}

async function spawnNodeWorker(): Promise<SpawnedWorker> {
  // Computed specifiers and file names: browser bundlers must not follow the Node path.
  const mod = "node:worker_threads";
  const { Worker: NodeWorker } = (await import(
    /* @vite-ignore */ mod
  )) as typeof import("node:worker_threads");
  const bootstrap = "./node-bootstrap.mjs";
  const entry = "./decode-worker.ts";
  const worker = new NodeWorker(new URL(bootstrap, import.meta.url), {
    workerData: { entry: new URL(entry, import.meta.url).href },
  });
  worker.unref();
  return {
    endpoint: nodeEndpoint(worker as never) as Endpoint,
    onFailure(cb) {
      worker.once("error", (e) =>
        cb(new FlatvoxError("WorkerError", `decode worker failed: ${(e as Error)?.message ?? e}`)),
      );
      worker.once("exit", (code) =>
        cb(new FlatvoxError("WorkerError", `decode worker exited with code ${code}`)),
      );
    },
    async terminate() {
      await worker.terminate();
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/** Workers to start: one per core beyond the calling thread's, at least 1, at most 8. */
export async function defaultPoolSize(): Promise<number> {
  let cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (!cores && isNode()) {
    const name = "node:os";
    const os = (await import(/* @vite-ignore */ name)) as typeof import("node:os");
    cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  }
  return Math.max(1, Math.min(8, (cores ?? 2) - 1));
}
