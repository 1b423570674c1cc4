/**
 * Linear memory of the kernel core, seen from JS: a bump arena plus typed
 * views. For WASM it is the module's memory (allocations go through the
 * module's exported alloc/reset); for the JS twins it is a plain ArrayBuffer
 * managed the same way, so both run on identical pointers. Views are
 * re-created when the memory grows (the old buffer is detached); never keep
 * one across an alloc.
 */
import { FlatvoxError } from "../shared/errors";
import { bytesPerValue, type DType, type TypedArray, viewTyped } from "../shared/types";

export interface MemoryViews {
  buffer: ArrayBuffer;
  u8: Uint8Array;
  u16: Uint16Array;
  i16: Int16Array;
  u32: Uint32Array;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
}

export interface CoreMemory {
  /** Reserve `bytes` (16-byte aligned); throws a LimitError when memory cannot grow. */
  alloc(bytes: number): number;
  /** Drop every allocation. */
  reset(): void;
  /** Current top, for release(mark) (stack discipline). */
  mark(): number;
  release(mark: number): void;
  /** Views over the current buffer. */
  views(): MemoryViews;
  /** A typed view of `length` elements at `ptr`. */
  view(dtype: DType, ptr: number, length: number): TypedArray;
  /** Copy `src` into fresh memory; returns its pointer. */
  copyIn(src: ArrayBufferView): number;
}

export function makeViews(buffer: ArrayBuffer): MemoryViews {
  return {
    buffer,
    u8: new Uint8Array(buffer),
    u16: new Uint16Array(buffer, 0, buffer.byteLength >> 1),
    i16: new Int16Array(buffer, 0, buffer.byteLength >> 1),
    u32: new Uint32Array(buffer, 0, buffer.byteLength >> 2),
    i32: new Int32Array(buffer, 0, buffer.byteLength >> 2),
    f32: new Float32Array(buffer, 0, buffer.byteLength >> 2),
    f64: new Float64Array(buffer, 0, buffer.byteLength >> 3),
  };
}

/** Shared view/copy helpers over a buffer getter and an allocator. */
export function memoryFrom(
  getBuffer: () => ArrayBuffer,
  arena: { alloc(n: number): number; reset(): void; mark(): number; release(m: number): void },
): CoreMemory {
  // Reading WebAssembly.Memory#buffer costs ~45 ns, more than a small kernel
  // call, so views are re-checked only when they may have changed: after an
  // alloc (the only way the arena grows) or once the old buffer is detached
  // (any growth of a WASM memory detaches it).
  let cached: MemoryViews | undefined;
  let stale = true;
  const views = (): MemoryViews => {
    if (stale || !cached || cached.buffer.byteLength === 0) {
      const b = getBuffer();
      if (!cached || cached.buffer !== b) cached = makeViews(b);
      stale = false;
    }
    return cached;
  };
  return {
    alloc(bytes: number): number {
      stale = true;
      const p = arena.alloc(bytes);
      if (p === 0 && bytes >= 0)
        throw new FlatvoxError("LimitError", `kernel memory cannot grow by ${bytes} bytes`, {
          length: bytes,
        });
      return p;
    },
    reset: () => arena.reset(),
    mark: () => arena.mark(),
    release: (m: number) => arena.release(m),
    views,
    view(dtype: DType, ptr: number, length: number): TypedArray {
      return viewTyped(dtype, new Uint8Array(views().buffer, ptr, length * bytesPerValue(dtype)));
    },
    copyIn(src: ArrayBufferView): number {
      const p = this.alloc(src.byteLength);
      views().u8.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), p);
      return p;
    },
  };
}

const PAGE = 65536;

/** Arena over a plain ArrayBuffer for the JS twins (grows by copying, like memory.grow). */
export function createJsMemory(initialBytes = PAGE, maxBytes = 2 ** 31): CoreMemory {
  let buffer = new ArrayBuffer(initialBytes);
  const base = 16; // pointer 0 stays invalid, as in WASM
  let top = base;
  const arena = {
    alloc(n: number): number {
      const p = top;
      const end = (p + n + 15) & ~15;
      if (end > buffer.byteLength) {
        const size = Math.ceil(Math.max(end, buffer.byteLength * 2) / PAGE) * PAGE;
        if (size > maxBytes) return 0;
        const next = new ArrayBuffer(size);
        new Uint8Array(next).set(new Uint8Array(buffer));
        buffer = next;
      }
      top = end;
      return p;
    },
    reset() {
      top = base;
    },
    mark: () => top,
    release(m: number) {
      if (m >= base && m <= top) top = m;
    },
  };
  return memoryFrom(() => buffer, arena);
}
