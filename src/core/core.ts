/**
 * Picks the kernel implementation: the SIMD WASM build when the engine has
 * SIMD, else the JS twins (or explicitly any of the three, for tests and
 * benchmarks). Each call returns an independent core with its own memory.
 */
import type { CoreMemory } from "./core-memory";
import { createJsMemory } from "./core-memory";
import type { CoreOps, Implementation } from "./core-ops";
import { createJsOps } from "./ops-js";
import { instantiateWasmCore, wasmSimdSupported, wasmSupported } from "./wasm-loader";

export type { Implementation } from "./core-ops";

export interface Core {
  implementation: Implementation;
  memory: CoreMemory;
  ops: CoreOps;
}

export interface CoreOptions {
  /** Force an implementation; default: "wasm-simd" when supported, else "js". */
  implementation?: Implementation;
}

export async function loadCore(options: CoreOptions = {}): Promise<Core> {
  const want = options.implementation ?? (wasmSupported() && wasmSimdSupported() ? "wasm-simd" : "js");
  if (want === "js") return createJsCore();
  const w = await instantiateWasmCore(want === "wasm-simd" ? "simd" : "scalar");
  return { implementation: want, memory: w.memory, ops: w.ops };
}

export function createJsCore(): Core {
  const memory = createJsMemory();
  return { implementation: "js", memory, ops: createJsOps(memory) };
}
