// Bump allocator controlled from JS. The module is built with the stub
// runtime and never allocates managed objects, so everything above the heap
// base belongs to this arena. Blocks are 16-byte aligned for v128 loads.

let base: usize = 0;
let top: usize = 0;

@inline function ensureInit(): void {
  if (base == 0) {
    base = (__heap_base + 15) & ~(<usize>15);
    top = base;
  }
}

/** Reserve `n` bytes; returns the offset, or 0 when memory cannot grow. */
export function alloc(n: usize): usize {
  ensureInit();
  const p = top;
  const end = (p + n + 15) & ~(<usize>15);
  const have = <usize>memory.size();
  const need = (end + 0xffff) >>> 16;
  if (need > have) {
    if (memory.grow(<i32>(need - have)) < 0) return 0;
  }
  top = end;
  return p;
}

/** Drop every allocation. */
export function reset(): void {
  ensureInit();
  top = base;
}

/** Current top, to release back to later (stack discipline). */
export function mark(): usize {
  ensureInit();
  return top;
}

export function release(m: usize): void {
  ensureInit();
  if (m >= base && m <= top) top = m;
}

export function heapBase(): usize {
  ensureInit();
  return base;
}
