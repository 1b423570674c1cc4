import type { Core, CoreOptions, Implementation } from "./core";
import { loadCore } from "./core";
import type { CoreMemory } from "./core-memory";
import type { CoreOps } from "./core-ops";
import { instantiateWasmCore, wasmSimdSupported, wasmSupported } from "./wasm-loader";

/** Facades accept an existing core (to share its memory) or options for a new one. */
export async function resolveCore(core?: Core | CoreOptions): Promise<Core> {
  if (core && "ops" in core) return core;
  return loadCore(core);
}

/**
 * A facade's kernels on an existing core (sharing its memory), or on a new
 * one for options: "wasm-simd" where the engine has SIMD, else the JS twins
 * (`twins`, given the core's memory when there is one). Only the WASM module
 * is loaded, not every kernel's twin; a caller that named no implementation
 * gets the twins when the module cannot load.
 */
export async function kernelsOn<K>(
  core: Core | CoreOptions | undefined,
  onWasm: (implementation: Implementation, memory: CoreMemory, ops: CoreOps) => K,
  twins: (memory?: CoreMemory) => K,
): Promise<K> {
  if (core && "ops" in core)
    return core.implementation === "js"
      ? twins(core.memory)
      : onWasm(core.implementation, core.memory, core.ops);
  const want = core?.implementation ?? (wasmSupported() && wasmSimdSupported() ? "wasm-simd" : "js");
  if (want === "js") return twins();
  try {
    const w = await instantiateWasmCore(want === "wasm-simd" ? "simd" : "scalar");
    return onWasm(want, w.memory, w.ops);
  } catch (e) {
    if (core?.implementation) throw e;
    return twins();
  }
}
