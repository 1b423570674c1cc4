import { throwIfAborted } from "../shared/errors";
import { raceSignal, SharedAbort } from "./abort-utils";
import type { ByteSource, ReadOptions } from "./byte-source";
import { decorate } from "./decorate";

interface InFlight {
  promise: Promise<Uint8Array>;
  abort: SharedAbort;
}

/**
 * Identical reads in flight at the same time share one underlying request.
 * Each caller can abort on its own (its promise rejects at once); the shared
 * request is cancelled only when every caller has aborted.
 */
export function withDedupe(src: ByteSource): ByteSource & { inFlight(): number } {
  const pending = new Map<string, InFlight>();

  const getBytes = (offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> => {
    throwIfAborted(options.signal);
    const key = `${offset}:${length}:${options.upTo ? 1 : 0}`;
    let entry = pending.get(key);
    if (!entry) {
      const abort = new SharedAbort();
      // The first caller's verify and purpose go down: the bytes are the same for all.
      const promise = src.getBytes(offset, length, { ...options, signal: abort.signal }).finally(() => {
        if (pending.get(key) === entry) pending.delete(key);
        abort.dispose();
      });
      entry = { promise, abort };
      pending.set(key, entry);
    }
    const shared = entry;
    shared.abort.join(options.signal, () => {
      // Once everyone has left, new callers must not join a cancelled request.
      if (shared.abort.remaining === 0 && pending.get(key) === shared) pending.delete(key);
    });
    return raceSignal(shared.promise, options.signal);
  };

  return decorate(src, getBytes, { inFlight: () => pending.size });
}
