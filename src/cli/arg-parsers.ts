/** Parsers of command-line values shared by the subcommands; bad values are InputErrors naming the option. */
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";

function usage(message: string): FlatvoxError {
  return new FlatvoxError("InputError", message);
}

export function parseNumberList(text: string, what: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const out = parts.map(Number);
  if (parts.some((p) => p === "") || out.some((v) => !Number.isFinite(v))) {
    throw usage(`${what}: expected comma-separated numbers, got '${text}'`);
  }
  return out;
}

export function parseVec3(text: string, what: string, integer = false): Vec3 {
  const v = parseNumberList(text, what);
  if (v.length !== 3) throw usage(`${what}: expected three values x,y,z, got '${text}'`);
  if (integer && v.some((x) => !Number.isInteger(x) || x < 1))
    throw usage(`${what}: expected positive integers, got '${text}'`);
  return v as Vec3;
}

export function parseInteger(
  text: string | undefined,
  what: string,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw usage(`${what}: expected an integer in ${min}..${max}, got '${text}'`);
  return n;
}
