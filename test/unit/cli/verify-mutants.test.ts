// `flatvox verify` is the promise that a file reads: on re-sealed structural
// mutants of both demos (a field of a brick entry, a page, the open block or
// any feature structure edited, every covering checksum recomputed), verify
// must fail on every file where a full read or a query fails.

import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyDataset } from "../../../src/cli/verify";
import { mulberry32 } from "../../../src/demo/prng";
import type { Feature } from "../../../src/index/feature-types";
import { MemorySource } from "../../../src/io/memory-source";
import { openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import { makeTempDir } from "../../helpers/servers";
import { packDemos, probes, readAndQuery } from "../../mutants/demos";
import { entryMutant, FEATURE_TARGETS, featureMutant } from "../../mutants/resealed";
import { directory, reseal } from "../reader/hostile";

const dir = makeTempDir("fvx-verify-");
const demos: { name: string; bytes: Uint8Array; probe: Feature[] }[] = [];

beforeAll(async () => {
  for (const d of await packDemos(dir)) demos.push({ ...d, probe: await probes(d.bytes) });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Undefined when the operation succeeds, else the FlatvoxError tag (anything else fails the test). */
async function outcome(fn: () => Promise<unknown>, what: string): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    if (!isFlatvoxError(e)) throw new Error(`${what} threw a non-flatvox error: ${e}`);
    return e.tag;
  }
}

async function verifyOutcome(b: Uint8Array): Promise<string | undefined> {
  return outcome(async () => {
    const ds = await openDataset(new MemorySource(b));
    const r = await verifyDataset(ds);
    if (!r.ok)
      throw Object.assign(new Error(r.error?.message), {
        __flatvoxError: true,
        tag: r.error?.tag,
        context: {},
      });
  }, "verify");
}

describe("verify agrees with readers on re-sealed structural mutants", () => {
  it("the clean demos verify and read", async () => {
    expect(demos.map((d) => d.name)).toEqual(["scalar", "material"]);
    for (const d of demos) {
      const ds = await openDataset(new MemorySource(d.bytes));
      const r = await verifyDataset(ds);
      expect(r.ok, r.error?.message).toBe(true);
      expect(r.features?.features).toBeGreaterThanOrEqual(10);
      expect(r.features?.indices).toBeGreaterThan(2);
      await readAndQuery(ds, d.probe);
    }
  });

  it("an entry pointing at another brick's bytes fails verify (not skipped as an already checked offset)", async () => {
    const d = demos[0];
    // Seeds chosen until the edit is the "offset-of-other" kind on a real brick; assert it reads badly.
    let found = 0;
    for (let seed = 1; seed < 200 && found < 3; seed++) {
      const r = mulberry32(seed);
      const b = await entryMutant(d.bytes, 0, r);
      const read = await outcome(
        async () => readAndQuery(await openDataset(new MemorySource(b)), d.probe),
        "read",
      );
      if (read === undefined) continue;
      found++;
      expect(await verifyOutcome(b), `seed ${seed}: read fails with ${read}`).toBeDefined();
    }
    expect(found).toBe(3);
  });

  it("every mutant that breaks a read or a query also fails verify", async () => {
    const r = mulberry32(20261204);
    const tally: Record<string, { cases: number; readFails: number }> = {};
    for (const d of demos) {
      const roots = directory(d.bytes).find((s) => s.kind === 3)!.length / 24;
      const openEnd = directory(d.bytes).reduce(
        (m, s) => (s.offset < 65536 ? Math.max(m, s.offset + s.length) : m),
        0,
      );
      for (let i = 0; i < 240; i++) {
        const mode = i % 3;
        let kind: string;
        let b: Uint8Array | undefined;
        if (mode === 0) {
          kind = "brick-entry";
          b = await entryMutant(d.bytes, Math.floor(r() * roots), r);
        } else if (mode === 1) {
          kind = FEATURE_TARGETS[Math.floor(r() * FEATURE_TARGETS.length)];
          b = featureMutant(d.bytes, kind as (typeof FEATURE_TARGETS)[number], r);
        } else {
          kind = "open-block";
          b = d.bytes.slice();
          b[32 + Math.floor(r() * (openEnd - 32))] = Math.floor(r() * 256);
          b = reseal(b);
        }
        if (!b) continue;
        const read = await outcome(
          async () => readAndQuery(await openDataset(new MemorySource(b)), d.probe),
          `${d.name} case ${i} (${kind}) read`,
        );
        tally[kind] ??= { cases: 0, readFails: 0 };
        const t = tally[kind];
        t.cases++;
        if (read === undefined) continue;
        t.readFails++;
        const verify = await verifyOutcome(b);
        expect(verify, `${d.name} case ${i} (${kind}): read fails with ${read}, verify passes`).toBeDefined();
      }
    }
    // Every kind of structure was mutated, and most mutants break something.
    for (const k of ["brick-entry", "open-block", ...FEATURE_TARGETS])
      expect(tally[k]?.readFails, k).toBeGreaterThan(0);
  }, 240_000);
});
