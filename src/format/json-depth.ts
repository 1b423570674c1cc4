/**
 * Nesting depth of parsed JSON, measured without recursion. Free-form header
 * metadata can nest thousands of levels deep and still be valid JSON; every
 * recursive walk of it (JSON.stringify, structured clone, a renderer) would
 * then overflow the stack, so readers reject such metadata at open.
 */
import { FlatvoxError } from "../shared/errors";

/** Deepest metadata a reader accepts (objects and arrays count one level each). */
export const MAX_JSON_DEPTH = 64;

/** Depth of a JSON value: 0 for a scalar, 1 for a flat object or array. Stops counting past `stopAt`. */
export function jsonDepth(value: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    const depth = d + 1;
    if (depth > max) {
      max = depth;
      if (max > stopAt) return max;
    }
    const children = Array.isArray(v) ? v : Object.values(v as object);
    for (const c of children) if (c !== null && typeof c === "object") stack.push([c, depth]);
  }
  return max;
}

/** FormatError when `value` nests deeper than `limit`. */
export function checkJsonDepth(
  value: unknown,
  what: string,
  context: { section?: string; offset?: number } = {},
  limit = MAX_JSON_DEPTH,
): void {
  const depth = jsonDepth(value, limit);
  if (depth > limit) {
    throw new FlatvoxError("FormatError", `${what} nests more than ${limit} levels deep`, { ...context });
  }
}

/**
 * JSON text of a value with every object or array below `limit` levels
 * replaced by a marker string, so printing never recurses without bound.
 */
export function boundedJson(value: unknown, limit = MAX_JSON_DEPTH, indent?: number): string {
  return JSON.stringify(clip(value, limit), null, indent);
}

function clip(v: unknown, limit: number): unknown {
  if (v === null || typeof v !== "object") return v;
  if (jsonDepth(v, limit) <= limit) return v;
  const out: unknown = Array.isArray(v) ? [] : {};
  // Copy level by level without recursion.
  const stack: [unknown, Record<string, unknown> | unknown[], number][] = [
    [v, out as object as unknown[], 1],
  ];
  while (stack.length) {
    const [src, dst, depth] = stack.pop() as [unknown, Record<string, unknown>, number];
    for (const [k, c] of Object.entries(src as object)) {
      if (c === null || typeof c !== "object") dst[k] = c;
      else if (depth >= limit) dst[k] = `[nested beyond ${limit} levels]`;
      else {
        const child = Array.isArray(c) ? [] : {};
        dst[k] = child;
        stack.push([c, child as Record<string, unknown>, depth + 1]);
      }
    }
  }
  return out;
}
