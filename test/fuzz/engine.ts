/**
 * A small coverage-guided fuzzer. Coverage is V8's own block coverage
 * (the inspector's precise coverage, reset after every input), counted only
 * in the project's src/ files: an input that reaches a block no earlier
 * input reached joins the corpus, and mutants are drawn from the corpus.
 *
 * Every input is checked: it may succeed or fail with a typed FlatvoxError
 * (InputError for packer inputs), nothing else; it must finish within the
 * time bound; array-buffer memory may not grow past the allocation bound;
 * and a target may add its own oracle (readers: no silently different data).
 */
import { Session } from "node:inspector/promises";
import { isFlatvoxError } from "../../src/shared/errors";

export interface FuzzTarget {
  name: string;
  /** Valid (or near-valid) inputs to start from. */
  seeds(): Promise<Uint8Array[]>;
  /** Run one input; throw a FlatvoxError for a rejected input, a Finding for a broken promise. */
  run(input: Uint8Array): Promise<void>;
  /** Inputs are cut to this many bytes. */
  maxBytes: number;
}

/** A broken promise that no typed error excuses (e.g. different data with valid checksums). */
export class Finding extends Error {}

export interface Limits {
  /** Longest time one input may take (ms). */
  timeMs: number;
  /** Largest growth of array-buffer memory while one input runs (bytes). */
  allocBytes: number;
}

export const DEFAULT_LIMITS: Limits = { timeMs: 2000, allocBytes: 256 << 20 };

export interface Failure {
  kind: "untyped-error" | "finding" | "timeout" | "allocation";
  message: string;
  input: Uint8Array;
}

/** Run one input under the limits; undefined when it passes. */
export async function check(
  t: FuzzTarget,
  input: Uint8Array,
  limits = DEFAULT_LIMITS,
): Promise<Failure | undefined> {
  const before = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  let failure: Failure | undefined;
  try {
    await t.run(input);
  } catch (e) {
    if (e instanceof Finding) failure = { kind: "finding", message: e.message, input };
    else if (!isFlatvoxError(e))
      failure = {
        kind: "untyped-error",
        message: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
        input,
      };
  }
  const ms = performance.now() - started;
  const grown = process.memoryUsage().arrayBuffers - before;
  if (!failure && ms > limits.timeMs)
    failure = { kind: "timeout", message: `took ${Math.round(ms)} ms (bound ${limits.timeMs})`, input };
  if (!failure && grown > limits.allocBytes)
    failure = { kind: "allocation", message: `array buffers grew by ${grown} bytes`, input };
  return failure;
}

/** Block coverage of src/ since the last call, as a set of "script:offset" keys. */
export class Coverage {
  private session = new Session();
  private started = false;

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post("Profiler.enable");
    await this.session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
    this.started = true;
    await this.take();
  }

  async take(): Promise<string[]> {
    if (!this.started) return [];
    const { result } = await this.session.post("Profiler.takePreciseCoverage");
    const out: string[] = [];
    for (const script of result) {
      if (!script.url.includes("/src/") || script.url.includes("node_modules")) continue;
      for (const f of script.functions)
        for (const r of f.ranges) if (r.count > 0) out.push(`${script.url}:${r.startOffset}`);
    }
    return out;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.session.post("Profiler.stopPreciseCoverage");
    this.session.disconnect();
    this.started = false;
  }
}

const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** Mutate `input` with 1–4 stacked edits (bytes, words, ranges, splices with `other`). */
export function mutate(input: Uint8Array, r: () => number, maxBytes: number, other?: Uint8Array): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  let b: Uint8Array = input.slice();
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) {
    const op = int(9);
    if (b.length === 0 && op < 7) {
      b = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
      continue;
    }
    const at = int(b.length);
    switch (op) {
      case 0:
        b[at] ^= 1 << int(8);
        break;
      case 1:
        b[at] = int(256);
        break;
      case 2:
        b[at] = [0, 0xff, 0x7f, 0x80, 0x20, 0x22, 0x5b, 0x7b][int(8)];
        break;
      case 3:
        if (at + 4 <= b.length)
          new DataView(b.buffer, b.byteOffset).setUint32(
            at,
            INTERESTING_32[int(INTERESTING_32.length)],
            r() < 0.8,
          );
        break;
      case 4:
        if (at + 2 <= b.length) {
          const v = new DataView(b.buffer, b.byteOffset);
          v.setUint16(at, (v.getUint16(at, true) + int(33) - 16) & 0xffff, true);
        }
        break;
      case 5: {
        // delete a range
        const len = 1 + int(Math.min(64, b.length - at));
        b = concat(b.subarray(0, at), b.subarray(at + len));
        break;
      }
      case 6: {
        // duplicate a range
        const len = 1 + int(Math.min(64, b.length - at));
        b = concat(b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len));
        break;
      }
      case 7:
        b = b.subarray(0, int(b.length + 1)).slice();
        break;
      case 8:
        if (other?.length) {
          const from = int(other.length);
          const len = 1 + int(Math.min(256, other.length - from));
          b = concat(b.subarray(0, at), other.subarray(from, from + len), b.subarray(at));
        }
        break;
    }
  }
  return b.length > maxBytes ? b.subarray(0, maxBytes).slice() : b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface FuzzReport {
  target: string;
  executions: number;
  corpus: number;
  /** src/ blocks reached. */
  blocks: number;
  failures: Failure[];
  seconds: number;
}

/** Fuzz one target for `seconds` (or `maxExecs` inputs), coverage-guided; stops collecting after 20 failures. */
export async function fuzz(
  t: FuzzTarget,
  opts: { seconds: number; seed: number; maxExecs?: number; limits?: Limits; extraSeeds?: Uint8Array[] },
): Promise<FuzzReport> {
  let s = opts.seed >>> 0 || 1;
  const r = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const cov = new Coverage();
  await cov.start();
  const seen = new Set<string>();
  const corpus: Uint8Array[] = [];
  const failures: Failure[] = [];
  const started = performance.now();
  let executions = 0;
  const runOne = async (input: Uint8Array, keepAlways: boolean) => {
    executions++;
    const f = await check(t, input, opts.limits);
    if (f && failures.length < 20) failures.push(f);
    let fresh = false;
    for (const k of await cov.take())
      if (!seen.has(k)) {
        seen.add(k);
        fresh = true;
      }
    if ((fresh || keepAlways) && !f) corpus.push(input);
  };
  try {
    for (const seed of [...(await t.seeds()), ...(opts.extraSeeds ?? [])]) await runOne(seed, true);
    if (corpus.length === 0) corpus.push(new Uint8Array(0));
    while (performance.now() - started < opts.seconds * 1000 && executions < (opts.maxExecs ?? Infinity)) {
      const base = corpus[Math.floor(r() * corpus.length)];
      const other = corpus[Math.floor(r() * corpus.length)];
      await runOne(mutate(base, r, t.maxBytes, other), false);
    }
  } finally {
    await cov.stop();
  }
  return {
    target: t.name,
    executions,
    corpus: corpus.length,
    blocks: seen.size,
    failures,
    seconds: (performance.now() - started) / 1000,
  };
}
