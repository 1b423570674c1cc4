/**
 * Run `fn` in the next macrotask, after every microtask queued now — so reads
 * issued across several awaits of one synchronous burst land in one batch.
 * Avoids setTimeout's 1–4 ms clamp where a better primitive exists.
 */
export function nextMacrotask(fn: () => void): void {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === "function") {
    g.setImmediate(fn);
    return;
  }
  if (typeof MessageChannel === "function") {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      fn();
    };
    ch.port2.postMessage(null);
    return;
  }
  setTimeout(fn, 0);
}

export type BatchWindow = "microtask" | "macrotask" | number;

/** Schedule a flush for the given batching window (a number means milliseconds). */
export function scheduleFlush(window: BatchWindow, fn: () => void): void {
  if (window === "microtask") queueMicrotask(fn);
  else if (window === "macrotask") nextMacrotask(fn);
  else setTimeout(fn, window);
}
