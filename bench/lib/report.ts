/** Shared bench helpers: command-line options, timing summaries and JSON output. */

/** `--name value` from the command line, or `dflt`. */
export function argString(name: string, dflt: string): string;
export function argString(name: string, dflt?: string): string | undefined;
export function argString(name: string, dflt?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

/** Numeric `--name value`, or `dflt`; rejects values that are not finite numbers. */
export function argNumber(name: string, dflt: number): number {
  const v = argString(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
  return n;
}

export function argFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median, min and max, rounded to `digits` decimals. */
export function summarize(xs: number[], digits = 2): Summary {
  const r = (x: number) => Number(x.toFixed(digits));
  return { median: r(median(xs)), min: r(Math.min(...xs)), max: r(Math.max(...xs)), runs: xs.length };
}

/** Time an async function in milliseconds (performance.now). */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** a / b rounded to 3 decimals (NaN when b is 0). */
export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : Number((a / b).toFixed(3));
}

/** Print the result as indented JSON on stdout (what bench scripts emit). */
export function printJson(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** Facts about the run that matter when comparing numbers across machines. */
export function environment(): Record<string, string | number> {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}
