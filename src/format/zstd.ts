/**
 * zstd decoding for format data (bricks, hierarchy pages, sections), usable in
 * Node and browsers. The output size is always known from the format, so a
 * frame declaring any other size is refused before allocation (LimitError when
 * larger: no decompression bombs), and the decoded length is checked after.
 *
 * Backend chosen by measurement (bench/zstd-decoders.ts): the WASM build in
 * `zstddec` when it instantiates, else the pure-JS `fzstd`. With zstddec,
 * `zstdDecompressInto` lends the decoded bytes in the decoder's own heap
 * (reused blocks), so a brick costs no fresh buffer: fresh memory is paid
 * for in page faults on first touch, which cost more than the copy.
 */
import { decompress as fzstdDecompress } from "fzstd";
import { type ErrorContext, FlatvoxError } from "../shared/errors";
import { frameContentSize } from "./zstd-frame";

export type ZstdBackend = "zstddec" | "fzstd" | "bokuweb";

/** Decodes one frame into exactly `size` bytes; throws on any mismatch. */
type RawDecode = (frame: Uint8Array, size: number) => Uint8Array;
/** Decodes one frame and lends the `size` decoded bytes to `use` (valid only during the call). */
type RawDecodeInto = (frame: Uint8Array, size: number, use: (decoded: Uint8Array) => void) => void;

interface Backend {
  name: ZstdBackend;
  decode: RawDecode;
  decodeInto?: RawDecodeInto;
}

let active: Backend = { name: "fzstd", decode: fzstdDecode };
let initPromise: Promise<void> | undefined;

function fzstdDecode(frame: Uint8Array, size: number): Uint8Array {
  return fzstdDecompress(frame, new Uint8Array(size));
}

interface ZstddecExports {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number): void;
  ZSTD_decompress(dst: number, cap: number, src: number, n: number): number;
  ZSTD_isError(code: number): number;
}

async function loadZstddec(): Promise<Omit<Backend, "name">> {
  const { ZSTDDecoder } = await import("zstddec");
  // The package keeps its instance private; its (declared) _init hook hands it over.
  let exports: ZstddecExports | undefined;
  class Lending extends ZSTDDecoder {
    override _init(result: WebAssembly.WebAssemblyInstantiatedSource): void {
      exports = result.instance.exports as unknown as ZstddecExports;
      ZSTDDecoder.prototype._init.call(undefined, result);
    }
  }
  const dec = new Lending();
  await dec.init();
  const decode: RawDecode = (frame, size) => dec.decode(frame, size);
  const ex = exports;
  if (!ex || typeof ex.ZSTD_decompress !== "function" || typeof ex.ZSTD_isError !== "function")
    return { decode };
  // Grow-only blocks in the decoder's heap, shared by every call (calls never overlap).
  let inPtr = 0;
  let inCap = 0;
  let outPtr = 0;
  let outCap = 0;
  const decodeInto: RawDecodeInto = (frame, size, use) => {
    if (frame.length > inCap) {
      if (inPtr) ex.free(inPtr);
      inCap = Math.max(frame.length, 64 * 1024);
      inPtr = ex.malloc(inCap) >>> 0;
    }
    if (size > outCap) {
      if (outPtr) ex.free(outPtr);
      outCap = size;
      outPtr = ex.malloc(outCap) >>> 0;
    }
    if (!inPtr || !outPtr) throw new Error("zstd heap allocation failed");
    new Uint8Array(ex.memory.buffer).set(frame, inPtr);
    const n = ex.ZSTD_decompress(outPtr, size, inPtr, frame.length) >>> 0;
    if (ex.ZSTD_isError(n)) throw new Error(`zstd error code ${n}`);
    if (n !== size) throw new Error(`decoded ${n} bytes`);
    use(new Uint8Array(ex.memory.buffer, outPtr, size));
  };
  return { decode, decodeInto };
}

async function loadBokuweb(): Promise<Omit<Backend, "name">> {
  const mod = await import("@bokuweb/zstd-wasm");
  await mod.init();
  return { decode: (frame, size) => mod.decompress(frame, { defaultHeapSize: size }) };
}

/** Prepare the fastest available backend; safe to call many times. Decoding works (slower) without it. */
export function initZstd(): Promise<void> {
  initPromise ??= selectZstdBackend("zstddec").catch(() => undefined);
  return initPromise;
}

// One load per backend: re-initialising a WASM backend would replace the
// instance under any caller still holding pointers into its heap.
const loaded = new Map<ZstdBackend, Promise<Omit<Backend, "name">>>();

/** Switch backend (benchmarks and tests compare them through the same bounded path). */
export async function selectZstdBackend(name: ZstdBackend): Promise<void> {
  let p = loaded.get(name);
  if (!p) {
    p =
      name === "zstddec"
        ? loadZstddec()
        : name === "bokuweb"
          ? loadBokuweb()
          : Promise.resolve({ decode: fzstdDecode });
    loaded.set(name, p);
    p.catch(() => loaded.delete(name));
  }
  active = { name, ...(await p) };
}

export function zstdBackend(): ZstdBackend {
  return active.name;
}

/**
 * Decode a zstd frame whose content must be exactly `size` bytes. `ctx` names
 * the section/offset for errors.
 */
export function zstdDecompressExact(frame: Uint8Array, size: number, ctx: ErrorContext): Uint8Array {
  checkDeclaredSize(frame, size, ctx);
  let out: Uint8Array;
  try {
    out = active.decode(frame, size);
  } catch (e) {
    throw new FlatvoxError("FormatError", `zstd frame is corrupt: ${(e as Error)?.message ?? e}`, ctx, {
      cause: e,
    });
  }
  if (out.length !== size) {
    throw new FlatvoxError("FormatError", `zstd frame decoded to ${out.length} bytes, expected ${size}`, ctx);
  }
  return out;
}

function checkDeclaredSize(frame: Uint8Array, size: number, ctx: ErrorContext): void {
  const declared = frameContentSize(frame, ctx);
  if (declared > size) {
    throw new FlatvoxError("LimitError", `zstd frame declares ${declared} bytes, expected ${size}`, ctx);
  }
  if (declared !== size) {
    throw new FlatvoxError("FormatError", `zstd frame declares ${declared} bytes, expected ${size}`, ctx);
  }
}

/**
 * Like zstdDecompressExact, but the decoded bytes are lent to `use` and are
 * valid only during that call (with zstddec they sit in its heap; other
 * backends hand a fresh array). `use` must not decode another frame.
 */
export function zstdDecompressInto(
  frame: Uint8Array,
  size: number,
  ctx: ErrorContext,
  use: (decoded: Uint8Array) => void,
): void {
  const into = active.decodeInto;
  if (!into) {
    use(zstdDecompressExact(frame, size, ctx));
    return;
  }
  checkDeclaredSize(frame, size, ctx);
  let decoded: Uint8Array | undefined;
  try {
    into(frame, size, (d) => {
      decoded = d;
    });
  } catch (e) {
    throw new FlatvoxError("FormatError", `zstd frame is corrupt: ${(e as Error)?.message ?? e}`, ctx, {
      cause: e,
    });
  }
  // `use` runs outside the try: its own errors are not zstd's.
  if (decoded) use(decoded);
}
