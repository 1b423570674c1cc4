/**
 * Loads the AssemblyScript core (assembly/build/flatvox.wasm, or the scalar
 * build) without AssemblyScript's generated bindings, which copy arrays: the
 * module's memory is handed out as views, and allocation goes through its
 * exported bump arena. The exports are typed by the interface generated from
 * asc's declarations (wasm/generated/exports.ts). Node reads the file; browsers fetch it by URL.
 */
import { FlatvoxError } from "../shared/errors";
import type { CoreMemory } from "./core-memory";
import { memoryFrom } from "./core-memory";
import type { CoreOps } from "./core-ops";
import type { WasmExports } from "./wasm/generated/exports";

export type WasmVariant = "simd" | "scalar";

export interface WasmCore {
  variant: WasmVariant;
  memory: CoreMemory;
  ops: CoreOps;
  instance: WebAssembly.Instance;
}

// (module (func (result v128) v128.const i32x4 0 0 0 0)): validates only where SIMD exists.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

let simdCache: boolean | undefined;

/** True when this engine supports WebAssembly fixed-width SIMD. */
export function wasmSimdSupported(): boolean {
  if (simdCache === undefined) {
    simdCache = typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
  }
  return simdCache;
}

export function wasmSupported(): boolean {
  return typeof WebAssembly === "object" && typeof WebAssembly.instantiate === "function";
}

const FILES: Record<WasmVariant, string> = { simd: "flatvox.wasm", scalar: "flatvox-scalar.wasm" };
const modules = new Map<WasmVariant, Promise<WebAssembly.Module>>();

function isNode(): boolean {
  return (
    typeof process === "object" && typeof process.versions?.node === "string" && typeof window === "undefined"
  );
}

function wasmUrl(variant: WasmVariant): URL {
  // Literal URLs so Vite rewrites and emits both files as assets.
  return variant === "simd"
    ? new URL("../../assembly/build/flatvox.wasm", import.meta.url)
    : new URL("../../assembly/build/flatvox-scalar.wasm", import.meta.url);
}

async function loadBytes(variant: WasmVariant): Promise<BufferSource> {
  const url = wasmUrl(variant);
  if (isNode() && url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    try {
      return await readFile(url);
    } catch (e) {
      throw new FlatvoxError(
        "FormatError",
        `WASM core ${FILES[variant]} is missing; run node scripts/build-wasm.mjs`,
        { url: url.href, section: "wasm" },
        { cause: e },
      );
    }
  }
  const res = await fetch(url);
  if (!res.ok)
    throw new FlatvoxError("HttpError", `cannot load WASM core ${FILES[variant]}`, {
      url: url.href,
      status: res.status,
    });
  return await res.arrayBuffer();
}

/** Compile (once per variant) and instantiate a fresh core with its own memory. */
export async function instantiateWasmCore(variant: WasmVariant, bytes?: BufferSource): Promise<WasmCore> {
  if (variant === "simd" && !wasmSimdSupported())
    throw new FlatvoxError("WorkerError", "WebAssembly SIMD is not supported here");
  let mod = bytes ? undefined : modules.get(variant);
  if (!mod) {
    mod = (async () => WebAssembly.compile(bytes ?? (await loadBytes(variant))))();
    if (!bytes) modules.set(variant, mod);
    mod.catch(() => modules.delete(variant));
  }
  const instance = await WebAssembly.instantiate(await mod, {
    env: {
      abort() {
        throw new FlatvoxError("WorkerError", "WASM core aborted");
      },
    },
  });
  // The export types come from asc's own declarations; CoreOps must be a view of them (checked here by tsc).
  const ex = instance.exports as unknown as WasmExports;
  const ops: CoreOps = ex;
  const memory = memoryFrom(() => ex.memory.buffer as ArrayBuffer, {
    alloc: (n) => ex.alloc(n) >>> 0,
    reset: () => ex.reset(),
    mark: () => ex.mark() >>> 0,
    release: (m) => ex.release(m),
  });
  return { variant, memory, ops, instance };
}
