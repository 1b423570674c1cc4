// Runs in real Chromium (bundled by test/browser/multi-range.spec.ts): scattered
// reads through the standard HTTP stack, with multi-range requests on the page's
// own origin, single ranges cross-origin unless asked for, and the same bytes
// either way.
import { createSource } from "../../../src/io/create-source";
import type { MultiRangeMode } from "../../../src/io/http-source";

export interface MultiRangeRun {
  url: string;
  mode: MultiRangeMode;
  requests: number;
  /** FNV-1a hash of all bytes read, in order. */
  hash: number;
  multiRange: boolean;
}

function fnv(h: number, bytes: Uint8Array): number {
  let x = h;
  for (let i = 0; i < bytes.length; i++) x = Math.imul(x ^ bytes[i], 16777619) >>> 0;
  return x;
}

export async function runMultiRange(url: string, mode: MultiRangeMode): Promise<MultiRangeRun> {
  const src = createSource(url, { multiRange: mode });
  await src.getBytes(0, 65536, { upTo: true });
  const size = src.size ?? 0;
  src.reset();
  const n = 6;
  const stride = Math.floor((size - 70_000) / n);
  const reads = Array.from({ length: n }, (_, i) => [65536 + i * stride, 5000] as const);
  const got = await Promise.all(reads.map(([o, l]) => src.getBytes(o, l)));
  let hash = 2166136261;
  for (const g of got) hash = fnv(hash, g);
  return { url, mode, requests: src.stats().requests, hash, multiRange: src.multiRange === true };
}
