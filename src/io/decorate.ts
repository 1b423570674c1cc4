import type { ByteSource, ReadOptions } from "./byte-source";

type GetBytes = (offset: number, length: number, options?: ReadOptions) => Promise<Uint8Array>;

/**
 * A source that reads through `getBytes` and otherwise mirrors `inner`
 * (id, etag, size, close, and `multiRange` when `extra` brings a `getRanges`).
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
      // Only a decorator that passes getRanges on offers multi-range reads.
      return typeof out.getRanges === "function" && inner.multiRange === true;
    },
    getBytes,
    close: () => inner.close?.() ?? Promise.resolve(),
  };
  return Object.assign(out, extra) as ByteSource & X;
}
