// Coverage-guided fuzzing, short run (the long one is `npm run fuzz`), and
// the replay of every input a fuzz run ever failed on (test/fuzz/regressions).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check, fuzz, mutate } from "../../fuzz/engine";
import { cleanupFuzz, prepare, TARGETS } from "../../fuzz/targets";

const REGRESSIONS = fileURLToPath(new URL("../../fuzz/regressions", import.meta.url));
/** Seconds per target in the short run (10 targets: about two minutes in all). */
const SECONDS = Number(process.env.FVX_FUZZ_SECONDS ?? 11);

beforeAll(prepare, 120_000);
afterAll(cleanupFuzz);

describe("fuzz engine", () => {
  it("mutate is deterministic for a seed, bounded by maxBytes, and changes its input", () => {
    const seed = (s: number) => {
      let x = s;
      return () => {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        return x / 2 ** 31;
      };
    };
    const input = Uint8Array.from({ length: 100 }, (_, i) => i);
    const a = Array.from({ length: 50 }, () => 0).map((_, i) => mutate(input, seed(i + 1), 120));
    const b = Array.from({ length: 50 }, () => 0).map((_, i) => mutate(input, seed(i + 1), 120));
    expect(a).toEqual(b);
    expect(a.every((m) => m.length <= 120)).toBe(true);
    expect(a.filter((m) => m.length === 100 && m.every((v, i) => v === input[i])).length).toBeLessThan(10);
  });

  it("check reports untyped errors and timeouts, and passes typed ones", async () => {
    const target = (run: () => Promise<void>) => ({ name: "t", maxBytes: 1, seeds: async () => [], run });
    const { FlatvoxError } = await import("../../../src/shared/errors");
    expect(
      await check(
        target(async () => {}),
        new Uint8Array(0),
      ),
    ).toBeUndefined();
    expect(
      await check(
        target(async () => {
          throw new FlatvoxError("FormatError", "bad");
        }),
        new Uint8Array(0),
      ),
    ).toBeUndefined();
    expect(
      (
        await check(
          target(async () => {
            throw new TypeError("x is undefined");
          }),
          new Uint8Array(0),
        )
      )?.kind,
    ).toBe("untyped-error");
    expect(
      (
        await check(
          target(() => new Promise((r) => setTimeout(r, 60))),
          new Uint8Array(0),
          { timeMs: 20, allocBytes: 1 << 30 },
        )
      )?.kind,
    ).toBe("timeout");
  });
});

describe("regression inputs", () => {
  for (const t of TARGETS) {
    const dir = join(REGRESSIONS, t.name);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".bin")) : [];
    if (!files.length) continue;
    it(`${t.name}: ${files.length} inputs that once failed pass every check`, async () => {
      for (const f of files) {
        const failure = await check(t, new Uint8Array(readFileSync(join(dir, f))));
        expect(failure, `${t.name}/${f}: ${failure?.kind} ${failure?.message}`).toBeUndefined();
      }
    });
  }
});

describe("coverage-guided fuzzing, short run", () => {
  for (const t of TARGETS) {
    it(
      `${t.name}: typed errors only, within time and allocation bounds, no silently different data`,
      async () => {
        const r = await fuzz(t, { seconds: SECONDS, seed: 20261204 });
        const failures = r.failures.map((f) => `${f.kind}: ${f.message}`);
        expect(failures).toEqual([]);
        expect(r.executions).toBeGreaterThan(50);
        expect(r.blocks, "coverage is measured").toBeGreaterThan(5);
      },
      (SECONDS + 60) * 1000,
    );
  }
});
