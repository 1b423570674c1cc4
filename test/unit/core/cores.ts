import type { Core } from "../../../src/core/core";
import { loadCore } from "../../../src/core/core";

/** One core per implementation: WASM SIMD, WASM scalar, JS twin. */
export async function allCores(): Promise<{ simd: Core; scalar: Core; js: Core }> {
  const [simd, scalar, js] = await Promise.all([
    loadCore({ implementation: "wasm-simd" }),
    loadCore({ implementation: "wasm-scalar" }),
    loadCore({ implementation: "js" }),
  ]);
  return { simd, scalar, js };
}

/** NaN-aware, -0-aware equality of numbers. */
export function same(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

export function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
  return true;
}
