import type { ByteSource, ReadOptions } from "./byte-source";

type GetBytes = (offset: number, length: number, options?: ReadOptions) => Promise<Uint8Array>;

/**
 * A source that reads through `getBytes` and otherwise mirrors `inner`
 * (id, etag, size, multiRange, close); `getRanges` only when `extra` brings one.
 * Decorators are built with it, so they compose in any order. Extra members (like `stats()`) are copied onto the result.
 */
export function decorate<X extends object = object>(
  inner: ByteSource,
  getBytes: GetBytes,
  extra?: X,
): ByteSource & X {
  const out: ByteSource = {
    get id() {
      return inner.id;
    },
    get etag() {
      return inner.etag;
    },
    get size() {
      return inner.size;
    },
    get multiRange() {
      return inner.multiRange;
    },
    getBytes,
    close: () => inner.close?.() ?? Promise.resolve(),
  };
  return Object.assign(out, extra) as ByteSource & X;
}
