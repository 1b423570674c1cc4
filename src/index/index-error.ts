import { FlatvoxError } from "../shared/errors";

/** A corrupt index structure: names the index and the absolute file offset. */
export function indexError(index: string, offset: number, message: string, length?: number): FlatvoxError {
  return new FlatvoxError("IndexError", `${index}: ${message}`, { section: index, offset, length });
}
