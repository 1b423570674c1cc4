/** InputError helpers: every message names the file and, where known, the byte offset. */
import { FlatvoxError } from "../../shared/errors";

export function inputError(
  message: string,
  file: string,
  offset?: number,
  extra: Record<string, unknown> = {},
): FlatvoxError {
  return new FlatvoxError("InputError", `${file}: ${message}`, {
    file,
    ...(offset === undefined ? {} : { offset }),
    ...extra,
  });
}
