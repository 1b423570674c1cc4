import type { Core, CoreOptions } from "./core";
import { loadCore } from "./core";

/** Facades accept an existing core (to share its memory) or options for a new one. */
export async function resolveCore(core?: Core | CoreOptions): Promise<Core> {
  if (core && "ops" in core) return core;
  return loadCore(core);
}
