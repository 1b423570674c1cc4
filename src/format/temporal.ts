/**
 * The temporal index: TIME_VALUES (T float64, strictly increasing, so a time
 * is found by binary search) and TIMESTEP_ROOTS (for each timestep, for each
 * field, the reference of the root hierarchy page).
 */
import { FlatvoxError } from "../shared/errors";
import { dataView } from "./binary";
import { ROOT_REF_SIZE } from "./constants";
import { type PageRef, readPageRef, writePageRef } from "./hierarchy";

export function encodeTimes(times: number[]): Uint8Array {
  const out = new Uint8Array(times.length * 8);
  const v = dataView(out);
  for (let i = 0; i < times.length; i++) v.setFloat64(i * 8, times[i], true);
  return out;
}

export function decodeTimes(bytes: Uint8Array, count: number, offset: number): number[] {
  const section = "time-values";
  if (bytes.length !== count * 8) {
    throw new FlatvoxError(
      "FormatError",
      `time values are ${bytes.length} bytes, ${count} timesteps need ${count * 8}`,
      {
        section,
        offset,
      },
    );
  }
  const v = dataView(bytes);
  const out: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const t = v.getFloat64(i * 8, true);
    if (!Number.isFinite(t) || (i > 0 && t <= out[i - 1])) {
      throw new FlatvoxError("FormatError", `time value ${i} (${t}) is not finite and increasing`, {
        section,
        offset: offset + i * 8,
      });
    }
    out[i] = t;
  }
  return out;
}

/** Roots laid out t-major: index = t * fieldCount + field. */
export function encodeRoots(roots: PageRef[]): Uint8Array {
  const out = new Uint8Array(roots.length * ROOT_REF_SIZE);
  const v = dataView(out);
  for (let i = 0; i < roots.length; i++) writePageRef(v, i * ROOT_REF_SIZE, roots[i]);
  return out;
}

export function decodeRoots(bytes: Uint8Array, count: number, offset: number): PageRef[] {
  const section = "timestep-roots";
  if (bytes.length !== count * ROOT_REF_SIZE) {
    throw new FlatvoxError(
      "FormatError",
      `timestep roots are ${bytes.length} bytes, expected ${count * ROOT_REF_SIZE}`,
      {
        section,
        offset,
      },
    );
  }
  const v = dataView(bytes);
  const out: PageRef[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = readPageRef(v, i * ROOT_REF_SIZE, section, offset);
  return out;
}
