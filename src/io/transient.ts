import { type ErrorContext, FlatvoxError } from "../shared/errors";

/**
 * Transient failures are worth retrying: 5xx, 408, 429, network resets,
 * bodies cut short, stalls. They are HttpErrors whose context says
 * `transient: true`, so the flag survives the worker boundary with the tag.
 */
export function transientError(message: string, context: ErrorContext, cause?: unknown): FlatvoxError {
  return new FlatvoxError("HttpError", message, { ...context, transient: true }, { cause });
}

export function isTransient(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const err = e as { tag?: unknown; context?: { transient?: unknown } };
  return err.tag === "HttpError" && err.context?.transient === true;
}

/** Delay a server asked for (Retry-After, seconds form), if any. */
export function retryAfterMs(e: unknown): number | undefined {
  const v = (e as { context?: { retryAfterMs?: unknown } } | null)?.context?.retryAfterMs;
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}
