/**
 * zstd decoding for format data (bricks, hierarchy pages, sections), usable in
 * Node and browsers. The output size is always known from the format, so a
 * frame declaring any other size is refused before allocation (LimitError when
 * larger: no decompression bombs), and the decoded length is checked after.
 *
 * Backend chosen by measurement (bench/zstd-decoders.ts): the WASM build in
 * `zstddec` when it instantiates, else the pure-JS `fzstd`.
 */
import { decompress as fzstdDecompress } from "fzstd";
import { type ErrorContext, FlatvoxError } from "../shared/errors";
import { frameContentSize } from "./zstd-frame";

export type ZstdBackend = "zstddec" | "fzstd" | "bokuweb";

/** Decodes one frame into exactly `size` bytes; throws on any mismatch. */
type RawDecode = (frame: Uint8Array, size: number) => Uint8Array;

let active: { name: ZstdBackend; decode: RawDecode } = { name: "fzstd", decode: fzstdDecode };
let initPromise: Promise<void> | undefined;

function fzstdDecode(frame: Uint8Array, size: number): Uint8Array {
  return fzstdDecompress(frame, new Uint8Array(size));
}

async function loadZstddec(): Promise<RawDecode> {
  const { ZSTDDecoder } = await import("zstddec");
  const dec = new ZSTDDecoder();
  await dec.init();
  return (frame, size) => dec.decode(frame, size);
}

async function loadBokuweb(): Promise<RawDecode> {
  const mod = await import("@bokuweb/zstd-wasm");
  await mod.init();
  return (frame, size) => mod.decompress(frame, { defaultHeapSize: size });
}

/** Prepare the fastest available backend; safe to call many times. Decoding works (slower) without it. */
export function initZstd(): Promise<void> {
  initPromise ??= selectZstdBackend("zstddec").catch(() => undefined);
  return initPromise;
}

// One load per backend: re-initialising a WASM backend would replace the
// instance under any caller still holding pointers into its heap.
const loaded = new Map<ZstdBackend, Promise<RawDecode>>();

/** Switch backend (benchmarks and tests compare them through the same bounded path). */
export async function selectZstdBackend(name: ZstdBackend): Promise<void> {
  let p = loaded.get(name);
  if (!p) {
    p =
      name === "zstddec" ? loadZstddec() : name === "bokuweb" ? loadBokuweb() : Promise.resolve(fzstdDecode);
    loaded.set(name, p);
    p.catch(() => loaded.delete(name));
  }
  active = { name, decode: await p };
}

export function zstdBackend(): ZstdBackend {
  return active.name;
}

/**
 * Decode a zstd frame whose content must be exactly `size` bytes. `ctx` names
 * the section/offset for errors.
 */
export function zstdDecompressExact(frame: Uint8Array, size: number, ctx: ErrorContext): Uint8Array {
  const declared = frameContentSize(frame, ctx);
  if (declared > size) {
    throw new FlatvoxError("LimitError", `zstd frame declares ${declared} bytes, expected ${size}`, ctx);
  }
  if (declared !== size) {
    throw new FlatvoxError("FormatError", `zstd frame declares ${declared} bytes, expected ${size}`, ctx);
  }
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
