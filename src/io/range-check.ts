import { FlatvoxError } from "../shared/errors";

/** Reject ranges no source can serve (negative, fractional, beyond 2^53). */
export function checkRange(offset: number, length: number, url: string): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    !Number.isSafeInteger(offset + length)
  ) {
    throw new FlatvoxError("RangeError", `invalid byte range ${offset}+${length}`, { offset, length, url });
  }
}

/** The error for a read that needed more bytes than the object holds. */
export function truncated(
  offset: number,
  length: number,
  got: number,
  url: string,
  size?: number,
): FlatvoxError {
  const tail = size === undefined ? "" : ` (object size ${size})`;
  return new FlatvoxError(
    "TruncatedError",
    `read past end of data: wanted ${length} bytes, got ${got}${tail}`,
    { offset, length, url },
  );
}
