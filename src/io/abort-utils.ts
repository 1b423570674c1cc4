import { type ErrorContext, FlatvoxError } from "../shared/errors";

/** The one AbortError the transport layer throws. */
export function abortError(context: ErrorContext = {}): FlatvoxError {
  return new FlatvoxError("AbortError", "operation was cancelled", context);
}

/** True for our AbortError and for the DOMException fetch throws on abort. */
export function isAbortLike(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const name = (e as { name?: unknown }).name;
  const tag = (e as { tag?: unknown }).tag;
  return tag === "AbortError" || name === "AbortError";
}

/** Sleep that ends early with an AbortError when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * `promise`, except that it rejects with an AbortError as soon as `signal`
 * aborts. Used where several callers share one underlying request: each caller
 * leaves promptly while the shared work may continue for the others.
 */
export function raceSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * An abort controller owned jointly by several participants: it aborts only
 * once every participant that joined has aborted. A participant without a
 * signal can never abort, so it keeps the shared work alive.
 */
export class SharedAbort {
  private readonly controller = new AbortController();
  private live = 0;
  private readonly cleanups: Array<() => void> = [];

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Number of participants that have not aborted. */
  get remaining(): number {
    return this.live;
  }

  /** Add a participant. `onLeave` runs when its signal aborts (before the shared abort, if any). */
  join(signal?: AbortSignal, onLeave?: () => void): void {
    this.live++;
    if (!signal) return;
    const onAbort = () => {
      this.live--;
      onLeave?.();
      if (this.live === 0) this.controller.abort();
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    this.cleanups.push(() => signal.removeEventListener("abort", onAbort));
  }

  /** Detach from every participant's signal (call when the shared work settled). */
  dispose(): void {
    for (const c of this.cleanups.splice(0)) c();
  }
}
