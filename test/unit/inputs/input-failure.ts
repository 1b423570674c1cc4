/** The message of the InputError a promise must reject with (any other outcome fails the test). */
import { expect } from "vitest";
import { isFlatvoxError } from "../../../src/shared/errors";

export async function inputFailure(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isFlatvoxError(e, "InputError"), String(e)).toBe(true);
  return (e as Error).message;
}
