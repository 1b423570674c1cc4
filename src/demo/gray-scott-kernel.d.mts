/** Types of gray-scott-kernel.mjs (plain JavaScript so worker threads load it under any loader). */
export const SNAP: number;
export function rowFlags(u: Float32Array, v: Float32Array, nx: number, flags: Uint8Array): void;
export function stepPlanes(
  u: Float32Array,
  v: Float32Array,
  uo: Float32Array,
  vo: Float32Array,
  act: Uint8Array,
  acto: Uint8Array,
  nx: number,
  ny: number,
  nz: number,
  z0: number,
  z1: number,
  Du: number,
  Dv: number,
  F: number,
  k: number,
): void;

/** Shared-buffer view of one simulation for the slab scheduler. */
export interface SlabGrid {
  nx: number;
  ny: number;
  nz: number;
  /** z planes per slab, and slabs per iteration. */
  planes: number;
  slabs: number;
  p: { Du: number; Dv: number; F: number; k: number };
  /** Buffer sets 0 and 1: concentrations and row flags. */
  u: [Float32Array, Float32Array];
  v: [Float32Array, Float32Array];
  f: [Uint8Array, Uint8Array];
}
export const CTRL: { NEXT: 0; END: 1; DONE: 2; STOP: 3; ERROR: 4; HELPED: 5; LENGTH: 8 };
export function runSlab(g: SlabGrid, i: number, slab: number): void;
export function waitSlab(ctrl: Int32Array, prog: Int32Array, s: number, iterations: number): void;
export function runTickets(ctrl: Int32Array, prog: Int32Array, g: SlabGrid, end: number): number;
