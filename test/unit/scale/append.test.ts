import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { materialWorldDemo } from "../../../src/demo/material-world";
import { Encoding } from "../../../src/format/constants";
import { openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import { appendTimesteps, removeStaleScratch } from "../../../src/writer/append";
import { packDataset } from "../../../src/writer/packer";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { demos, expectSameDataset } from "./compare";
import { runKillableChild } from "./kill-child";

afterAll(cleanupTemp);

/** Digest of every voxel of every field, timestep and level (what a reader sees), or the error it hits. */
async function digest(path: string): Promise<string> {
  const ds = await openDataset(path, { workers: false });
  try {
    const h = createHash("sha256");
    h.update(JSON.stringify(ds.info.times));
    for (let f = 0; f < ds.info.fields.length; f++)
      for (let t = 0; t < ds.info.times.length; t++)
        for (const g of ds.info.levels) {
          const a = await ds.readRegion({
            field: f,
            t,
            level: g.level,
            box: { min: [0, 0, 0], max: g.dims },
          });
          h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
        }
    return h.digest("hex");
  } finally {
    await (ds.source as { close?(): Promise<void> }).close?.();
  }
}

describe.each(demos(8))("append equals one pack: $name demo", (demo) => {
  const dir = tempDir();
  const single = join(dir, "single.fvx");
  const opts = { brickSize: 16, workers: 0 };

  it("5 steps packed, then 1 + 2 appended, read back identical to 8 packed at once; old bytes untouched", async () => {
    await packDataset(demo.spec, demo.steps, single, opts);
    const grown = join(dir, "grown.fvx");
    const head = { ...demo.spec, times: demo.spec.times.slice(0, 5) };
    await packDataset(head, demo.steps.slice(0, 5), grown, opts);
    const before = readFileSync(grown);
    const r1 = await appendTimesteps(
      grown,
      { times: demo.spec.times.slice(5, 6), steps: demo.steps.slice(5, 6) },
      { workers: 0 },
    );
    expect(r1.timesteps).toBe(6);
    const after1 = readFileSync(grown);
    // The body is never rewritten: every old byte past the open block is where it was.
    expect(after1.subarray(65536, before.length).equals(before.subarray(65536))).toBe(true);
    const r2 = await appendTimesteps(
      grown,
      { times: demo.spec.times.slice(6), steps: demo.steps.slice(6).map((s, i) => ({ ...s, index: i })) },
      { workers: 0 },
    );
    expect(r2.timesteps).toBe(8);
    expect(r2.appendedBytes).toBeGreaterThan(0);
    await expectSameDataset(grown, single);
    // Delta chains stay within the writer's bound (1) across append boundaries.
    const ds = await openDataset(grown, { workers: false });
    for (let f = 0; f < ds.info.fields.length; f++)
      for (let t = 5; t < 8; t++)
        for (const g of ds.info.levels)
          for (let z = 0; z < g.bricks[2]; z++)
            for (let y = 0; y < g.bricks[1]; y++)
              for (let x = 0; x < g.bricks[0]; x++) {
                const e = await ds.brickEntry(f, t, g.level, [x, y, z]);
                if (e.encoding !== Encoding.XOR_DELTA_SHUFFLE_ZSTD) continue;
                const ref = await ds.brickEntry(f, e.refT, g.level, [x, y, z]);
                expect(ref.encoding).not.toBe(Encoding.XOR_DELTA_SHUFFLE_ZSTD);
              }
  });

  it("with the dataset's feature options, append extends features and tracks as one pack of all steps", async () => {
    const fo = { ...opts, features: demo.features };
    const whole = join(dir, "whole-features.fvx");
    await packDataset(demo.spec, demo.steps, whole, fo);
    const grown = join(dir, "grown-features.fvx");
    await packDataset(
      { ...demo.spec, times: demo.spec.times.slice(0, 5) },
      demo.steps.slice(0, 5),
      grown,
      fo,
    );
    const before = await openDataset(grown, { workers: false });
    const oldCount = (await before.features()).length;
    await appendTimesteps(
      grown,
      { times: demo.spec.times.slice(5), steps: demo.steps.slice(5).map((s, i) => ({ ...s, index: i })) },
      { workers: 0, features: demo.features },
    );
    // Features of the new steps exist, and every feature and track equals the single pack's.
    const after = await openDataset(grown, { workers: false });
    expect((await after.features()).length).toBeGreaterThan(oldCount);
    await expectSameDataset(grown, whole, { features: true });
  });

  it("refuses times not after the last, and unknown fields", async () => {
    const grown = join(dir, "grown.fvx");
    const size = statSync(grown).size;
    const e1 = await appendTimesteps(grown, { times: [demo.spec.times[7]], steps: [] }).catch((e) => e);
    expect(isFlatvoxError(e1, "InputError")).toBe(true);
    expect(e1.message).toMatch(/strictly increasing after/);
    const e2 = await appendTimesteps(grown, {
      times: [1e9],
      steps: [],
      fields: [{ name: "nope", dtype: "f32", kind: "scalar" }],
    }).catch((e) => e);
    expect(e2.message).toMatch(/no field "nope"/);
    expect(statSync(grown).size).toBe(size);
  });
});

describe("append crash safety", () => {
  const dir = tempDir();
  const base = join(dir, "base.fvx");
  const full = join(dir, "full.fvx");
  const child = join(__dirname, "append-child.ts");
  const run = (path: string, killAfterMs?: number) => runKillableChild(child, [path, "4", "7"], killAfterMs);

  it("killed at ≥ 50 random points, the file opens and reads as the old or the new dataset", {
    timeout: 600_000,
  }, async () => {
    const demo = materialWorldDemo({ size: 48, steps: 4, substeps: 2, seed: 9 });
    await packDataset(demo.spec, [...demo.steps], base, { brickSize: 16, workers: 0 });
    copyFileSync(base, full);
    const whole = await run(full);
    expect(whole.done).toBe(true);
    const oldDigest = await digest(base);
    const newDigest = await digest(full);
    expect(newDigest).not.toBe(oldDigest);
    const outcomes = { old: 0, new: 0 };
    const kills = 50;
    for (let i = 0; i < kills; i++) {
      const path = join(dir, `k${i}.fvx`);
      copyFileSync(base, path);
      // Spread over the append's own duration (and a little past it).
      const r = await run(path, Math.random() * whole.ms * 1.1);
      const d = await digest(path);
      expect([oldDigest, newDigest]).toContain(d);
      if (d === newDigest) outcomes.new++;
      else outcomes.old++;
      if (!r.done) expect(d === oldDigest || d === newDigest).toBe(true);
    }
    // Kills landed both before and after the commit point.
    expect(outcomes.old).toBeGreaterThan(0);
    expect(outcomes.new + outcomes.old).toBe(kills);
  });

  it("scratch files of a killed append are removed by the next run; a live append's are kept", async () => {
    const path = join(dir, "stale.fvx");
    const demo = materialWorldDemo({ size: 48, steps: 5, substeps: 2, seed: 9 });
    await packDataset(
      { ...demo.spec, times: demo.spec.times.slice(0, 4) },
      [...demo.steps].slice(0, 4),
      path,
      {
        brickSize: 16,
        workers: 0,
      },
    );
    // A process id that is certainly gone: a child that has exited.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout;
    const stale = [`${path}.append-${dead}.tmp`, `${path}.append-${dead}.tmp.partial-${dead}`];
    const live = `${path}.append-${process.ppid}.tmp`; // a live process (this one's parent)
    for (const f of [...stale, live]) writeFileSync(f, "left by a killed append");
    const other = join(dir, `other.fvx.append-${dead}.tmp`);
    writeFileSync(other, "another dataset's");
    await appendTimesteps(
      path,
      { times: demo.spec.times.slice(4), steps: [...demo.steps].slice(4) },
      { workers: 0 },
    );
    for (const f of stale) expect(existsSync(f), f).toBe(false);
    expect(existsSync(live)).toBe(true); // its writer is alive: the file may be in use
    expect(existsSync(other)).toBe(true); // only the dataset's own scratch files
    expect(removeStaleScratch(path)).toEqual([]);
  });

  it("a failure just before the open-block write leaves the old dataset", async () => {
    const path = join(dir, "hook.fvx");
    copyFileSync(base, path);
    const demo = materialWorldDemo({ size: 48, steps: 7, substeps: 2, seed: 9 });
    const steps = [...demo.steps].slice(4);
    const err = await appendTimesteps(
      path,
      { times: demo.spec.times.slice(4), steps },
      {
        workers: 0,
        beforeOpenBlock: () => {
          throw new Error("crash");
        },
      },
    ).catch((e) => e);
    expect(err.message).toBe("crash");
    expect(statSync(path).size).toBeGreaterThan(statSync(base).size);
    expect(await digest(path)).toBe(await digest(base));
  });
});
