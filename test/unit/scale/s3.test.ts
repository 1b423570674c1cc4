/**
 * Object storage round trips against a real S3 API implementation (s3rver)
 * on a loopback port: pack, merge (parts copied by the store, probe indices
 * included) and append (a new version of the object, crash-safe), read back
 * over plain HTTP range requests.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSource } from "../../../src/io/create-source";
import { openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import { appendTimesteps } from "../../../src/writer/append";
import { mergeParts } from "../../../src/writer/merge";
import type { TimestepData } from "../../../src/writer/pack-types";
import { packDataset } from "../../../src/writer/packer";
import { packPart } from "../../../src/writer/part";
import { MIN_PART, type S3Options, s3GetRange } from "../../../src/writer/s3";
import { cleanupTemp, tempDir } from "../reader/fixtures";
import { demos, expectSameDataset } from "./compare";
import { runKillableChild } from "./kill-child";
import { noise } from "./noise";

const BUCKET = "flatvox";
let server: S3rver;
let endpoint = "";
let s3: S3Options;
const saved = { ...process.env };

beforeAll(async () => {
  // s3rver accepts its own fixed key pair; the SDK finds it in the usual variables.
  process.env.AWS_ACCESS_KEY_ID = "S3RVER";
  process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
  process.env.AWS_REGION = "us-east-1";
  server = new S3rver({
    address: "127.0.0.1",
    // FLATVOX_TEST_PORT=P: the store listens on P + 1 (a fixed loopback port); else on a free one.
    port: process.env.FLATVOX_TEST_PORT ? Number(process.env.FLATVOX_TEST_PORT) + 1 : 0,
    silent: true,
    directory: tempDir(),
    configureBuckets: [{ name: BUCKET }],
  });
  const info = await server.run();
  endpoint = `http://127.0.0.1:${info.port}`;
  s3 = { endpoint, partSize: MIN_PART };
});

afterAll(async () => {
  await server?.close();
  process.env = saved;
  cleanupTemp();
});

const httpUrl = (key: string) => `${endpoint}/${BUCKET}/${key}`;

async function copyObject(from: string, to: string): Promise<void> {
  const { CopyObjectCommand } = await import("@aws-sdk/client-s3");
  const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
  await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: to, CopySource: `${BUCKET}/${from}` }));
}

/**
 * The object once the store is done with it. A client killed right after
 * asking to complete an upload leaves s3rver still writing the object, in
 * place (AWS S3 publishes it whole, in one step): read until two reads half
 * a second apart agree.
 */
async function settledBytes(key: string): Promise<Buffer> {
  let a = await objectBytes(key);
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const b = await objectBytes(key);
    if (b.equals(a)) return b;
    a = b;
  }
  throw new Error(`${key} kept changing`);
}

async function objectBytes(key: string): Promise<Buffer> {
  const r = await fetch(httpUrl(key));
  expect(r.status).toBe(200);
  return Buffer.from(await r.arrayBuffer());
}

describe("object storage (s3rver on loopback)", () => {
  const dir = tempDir();
  const input = noise(12);
  const opts = { brickSize: 32, workers: 0, delta: false };
  const local = join(dir, "local.fvx");

  it("pack -o s3:// writes the same bytes as a local pack, in a multipart upload", async () => {
    await packDataset(input.spec, input.steps, local, opts);
    const size = readFileSync(local).length;
    expect(size).toBeGreaterThan(2 * MIN_PART); // several parts, first one held back for the open block
    await packDataset(input.spec, input.steps, `s3://${BUCKET}/runs/noise.fvx`, { ...opts, s3 });
    const got = await objectBytes("runs/noise.fvx");
    const want = readFileSync(local);
    expect(got.length).toBe(want.length);
    const firstDiff = got.findIndex((b, i) => b !== want[i]);
    expect(firstDiff).toBe(-1);
  });

  it("the reader opens the object over HTTP in one request and reads a region equal to the local pack", async () => {
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const src = await createSource(httpUrl("runs/noise.fvx"), { fetch: counting });
    const ds = await openDataset(src, { workers: false });
    expect(requests).toBe(1);
    expect(ds.info.times.length).toBe(12);
    const want = await openDataset(local, { workers: false });
    const box = {
      min: [5, 9, 17] as [number, number, number],
      max: [50, 41, 63] as [number, number, number],
    };
    const a = await ds.readRegion({ field: "q", t: 7, box });
    const b = await want.readRegion({ field: "q", t: 7, box });
    expect(a.length).toBe(45 * 32 * 46);
    expect(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      ),
    ).toBe(true);
    expect(requests).toBeGreaterThan(1);
  });

  it("merge of parts in the bucket: the store copies the part bodies, the result reads as one pack", async () => {
    // Parts of about 15 MB: most of each is above what fills an upload part to S3's 5 MiB minimum.
    const big = noise(30);
    const bigLocal = join(dir, "big.fvx");
    await packDataset(big.spec, big.steps, bigLocal, opts);
    const parts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const url = `s3://${BUCKET}/runs/noise.part-${i}.fvx`;
      await packPart(big.spec, big.steps, url, i, 2, { ...opts, s3 });
      parts.push(url);
    }
    const r = await mergeParts(parts, `s3://${BUCKET}/runs/noise-merged.fvx`, { s3 });
    expect(r.s3).toBeDefined();
    const s = r.s3!;
    expect(s.copyFallback).toBeUndefined();
    const bricks = readFileSync(bigLocal).length;
    // Most brick bytes never came to this process: only what fills parts to S3's 5 MiB minimum.
    expect(s.serverCopiedBytes).toBeGreaterThan(bricks - 2 * 2 * MIN_PART);
    expect(s.downloadedBytes).toBeLessThanOrEqual(2 * 2 * MIN_PART);
    expect(s.partMetadataBytes).toBeLessThan(1 << 20);
    await expectSameDataset(httpUrl("runs/noise-merged.fvx"), bigLocal);
  }, 60_000);

  it("a store that cannot copy parts: merge says so, reads and uploads the bodies, same result", async () => {
    const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "UploadPartCopyCommand")
          throw Object.assign(new Error("not here"), {
            name: "NotImplemented",
            $metadata: { httpStatusCode: 501 },
          });
        return next(args);
      },
      { step: "initialize" },
    );
    const parts = [0, 1].map((i) => `s3://${BUCKET}/runs/noise.part-${i}.fvx`);
    const r = await mergeParts(parts, `s3://${BUCKET}/runs/noise-nocopy.fvx`, { s3: { ...s3, client } });
    expect(r.s3!.copyFallback).toMatch(/does not implement UploadPartCopy/);
    expect(r.s3!.serverCopiedBytes).toBe(0);
    expect(r.s3!.downloadedBytes).toBeGreaterThan(20e6);
    // The same layout as when the store copies: byte for byte the same object.
    expect(
      (await objectBytes("runs/noise-nocopy.fvx")).equals(await objectBytes("runs/noise-merged.fvx")),
    ).toBe(true);
  }, 60_000);

  it("merge of parts with a probe index in the bucket: chunks copied by the store, probes equal one local pack", async () => {
    const big = noise(30);
    const po = { ...opts, probe: true };
    const single = join(dir, "probe-single.fvx");
    await packDataset(big.spec, big.steps, single, po);
    const parts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const url = `s3://${BUCKET}/probe/part-${i}.fvx`;
      await packPart(big.spec, big.steps, url, i, 2, { ...po, s3 });
      parts.push(url);
    }
    const r = await mergeParts(parts, `s3://${BUCKET}/probe/run.fvx`, { s3 });
    // The bodies (bricks and probe chunks) were copied by the store, not read back.
    expect(r.s3!.copyFallback).toBeUndefined();
    expect(r.s3!.serverCopiedBytes).toBeGreaterThan(readFileSync(single).length - 2 * 2 * MIN_PART);
    await expectSameDataset(httpUrl("probe/run.fvx"), single);
    const got = await openDataset(httpUrl("probe/run.fvx"), { workers: false });
    const want = await openDataset(single, { workers: false });
    for (const q of [
      { field: "q", point: [3, 60, 17] as [number, number, number] },
      { field: "q", box: { min: [30, 1, 40], max: [35, 6, 45] } as const, t0: 4, t1: 27 },
    ]) {
      const a = await got.probe(q as Parameters<typeof got.probe>[0]);
      const b = await want.probe(q as Parameters<typeof want.probe>[0]);
      expect(a.source).toBe("probe-index");
      expect(a.timesteps).toEqual(b.timesteps);
      expect(a.values.map((v) => Array.from(v))).toEqual(b.values.map((v) => Array.from(v)));
    }
  }, 90_000);

  it("merge of local parts into the bucket uploads the same bytes as a local merge", async () => {
    const parts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = join(dir, `noise.part-${i}.fvx`);
      await packPart(input.spec, input.steps, p, i, 3, opts);
      parts.push(p);
    }
    await mergeParts(parts, join(dir, "merged.fvx"));
    const r = await mergeParts(parts, `s3://${BUCKET}/runs/from-local.fvx`, { s3 });
    expect(r.s3!.serverCopiedBytes).toBe(0);
    expect((await objectBytes("runs/from-local.fvx")).equals(readFileSync(join(dir, "merged.fvx")))).toBe(
      true,
    );
  }, 60_000);

  it("a demo with features: parts in the bucket, merged there, equal to one local pack (features, tracks)", async () => {
    const demo = demos(5)[1];
    const o = { brickSize: 16, workers: 0, features: demo.features };
    const single = join(dir, "material.fvx");
    await packDataset(demo.spec, demo.steps, single, o);
    const parts = [];
    for (let i = 0; i < 3; i++) {
      const url = `s3://${BUCKET}/material/part-${i}.fvx`;
      await packPart(demo.spec, demo.steps, url, i, 3, { ...o, s3 });
      parts.push(url);
    }
    // Small parts: below S3's 5 MiB part minimum, their bytes go through this process instead.
    const r = await mergeParts(parts, `s3://${BUCKET}/material/run.fvx`, { s3 });
    expect(r.s3!.serverCopiedBytes).toBe(0);
    await expectSameDataset(httpUrl("material/run.fvx"), single, { features: true });
  }, 60_000);

  it("parts in the bucket merged into a local file: refused with a typed error", async () => {
    const err = await mergeParts([`s3://${BUCKET}/material/part-0.fvx`], join(dir, "x.fvx"), { s3 }).catch(
      (e) => e,
    );
    expect(isFlatvoxError(err, "InputError")).toBe(true);
    expect(err.message).toMatch(/object storage/);
  });

  it("append to an object: a new version of it equal to one pack of all steps, old body copied by the store", async () => {
    const all = noise(20);
    const single = join(dir, "append-all.fvx");
    await packDataset(all.spec, all.steps, single, opts);
    const url = `s3://${BUCKET}/append/run.fvx`;
    await packDataset({ ...all.spec, times: all.spec.times.slice(0, 16) }, all.steps.slice(0, 16), url, {
      ...opts,
      s3,
    });
    const before = await objectBytes("append/run.fvx");
    const r = await appendTimesteps(
      url,
      { times: all.spec.times.slice(16), steps: all.steps.slice(16).map((x, i) => ({ ...x, index: i })) },
      { workers: 0, s3 },
    );
    expect(r.added).toBe(4);
    expect(r.timesteps).toBe(20);
    const s = r.s3!;
    expect(s.etagBefore).toBeDefined();
    expect(s.etagAfter).not.toBe(s.etagBefore);
    // The old body (~16 MiB) was copied by the store, past what fills the held first part.
    expect(s.serverCopiedBytes).toBeGreaterThan(before.length - 2 * MIN_PART);
    expect(s.downloadedBytes).toBeLessThanOrEqual(MIN_PART);
    const after = await objectBytes("append/run.fvx");
    // The body is untouched: every old byte past the open block is where it was.
    expect(after.subarray(65536, before.length).equals(before.subarray(65536))).toBe(true);
    await expectSameDataset(httpUrl("append/run.fvx"), single);
  }, 90_000);

  it("append to an object with a probe index: probes over old and new steps equal one pack of all steps", async () => {
    const all = noise(20);
    const po = { ...opts, probe: true };
    const single = join(dir, "append-probe-all.fvx");
    await packDataset(all.spec, all.steps, single, po);
    const url = `s3://${BUCKET}/append/probe.fvx`;
    await packDataset({ ...all.spec, times: all.spec.times.slice(0, 16) }, all.steps.slice(0, 16), url, {
      ...po,
      s3,
    });
    await appendTimesteps(
      url,
      { times: all.spec.times.slice(16), steps: all.steps.slice(16) },
      { workers: 0, s3 },
    );
    await expectSameDataset(httpUrl("append/probe.fvx"), single);
    const got = await openDataset(httpUrl("append/probe.fvx"), { workers: false });
    const want = await openDataset(single, { workers: false });
    const q = { field: "q", box: { min: [10, 20, 30], max: [13, 23, 33] } } as Parameters<
      typeof got.probe
    >[0];
    const a = await got.probe(q);
    const b = await want.probe(q);
    expect(a.source).toBe("probe-index");
    expect(a.timesteps).toEqual([...Array(20).keys()]);
    expect(a.values.map((v) => Array.from(v))).toEqual(b.values.map((v) => Array.from(v)));
  }, 120_000);

  it("append to an object failing at random points: an error and the old object byte for byte, or the new one", async () => {
    const all = noise(20);
    const base = `s3://${BUCKET}/append/fail-base.fvx`;
    await packDataset({ ...all.spec, times: all.spec.times.slice(0, 16) }, all.steps.slice(0, 16), base, {
      ...opts,
      s3,
    });
    const before = await objectBytes("append/fail-base.fvx");
    const steps = () => all.steps.slice(16).map((x, i) => ({ ...x, index: i }));
    // How many store requests a whole append makes.
    let requests = 0;
    const counting = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
    counting.middlewareStack.add(
      (next) => async (args) => {
        requests++;
        return next(args);
      },
      { step: "initialize" },
    );
    await copyObject("append/fail-base.fvx", "append/fail-whole.fvx");
    await appendTimesteps(
      `s3://${BUCKET}/append/fail-whole.fvx`,
      { times: all.spec.times.slice(16), steps: steps() },
      { workers: 0, s3: { ...s3, client: counting } },
    );
    const after = await objectBytes("append/fail-whole.fvx");
    expect(requests).toBeGreaterThan(5);
    let seed = 7;
    const outcomes = { old: 0, new: 0 };
    for (let i = 0; i < 8; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      // Fail the k-th request: from the first look at the object to the look at its new ETag after completing.
      const k = 1 + (seed % requests);
      const key = `append/fail-${i}.fvx`;
      await copyObject("append/fail-base.fvx", key);
      let n = 0;
      const failing = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
      failing.middlewareStack.add(
        (next, context) => async (args) => {
          if (++n === k && context.commandName !== "AbortMultipartUploadCommand")
            throw Object.assign(new Error(`connection lost at request ${k}`), { name: "NetworkingError" });
          return next(args);
        },
        { step: "initialize" },
      );
      const err = await appendTimesteps(
        `s3://${BUCKET}/${key}`,
        { times: all.spec.times.slice(16), steps: steps() },
        { workers: 0, s3: { ...s3, client: failing } },
      ).then(
        () => undefined,
        (e) => e,
      );
      const got = await objectBytes(key);
      if (err) {
        expect(got.equals(before), `failed at request ${k} of ${requests}: ${err}`).toBe(true);
        outcomes.old++;
      } else {
        // Only the look after completing failed: the append is done.
        expect(k).toBe(requests);
        expect(got.equals(after)).toBe(true);
        outcomes.new++;
      }
    }
    expect(outcomes.old).toBeGreaterThan(4);
  }, 180_000);

  it("append to an object killed at random moments: the object is the old or the new one, whole", async () => {
    const all = noise(20);
    const head = { ...all.spec, times: all.spec.times.slice(0, 16) };
    const base = `s3://${BUCKET}/append/kill-base.fvx`;
    await packDataset(head, all.steps.slice(0, 16), base, { ...opts, s3 });
    const oldBytes = await objectBytes("append/kill-base.fvx");
    const run = (key: string, killAfterMs?: number) =>
      runKillableChild(
        join(__dirname, "s3-append-child.ts"),
        [`s3://${BUCKET}/${key}`, "16", "20"],
        killAfterMs,
        {
          ...process.env,
          AWS_ENDPOINT_URL_S3: endpoint,
        },
      );
    const { CopyObjectCommand } = await import("@aws-sdk/client-s3");
    const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
    const copyBase = (key: string) =>
      client.send(
        new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/append/kill-base.fvx` }),
      );
    await copyBase("append/kill-whole.fvx");
    const whole = await run("append/kill-whole.fvx");
    expect(whole.done).toBe(true);
    const newBytes = await settledBytes("append/kill-whole.fvx");
    expect(newBytes.equals(oldBytes)).toBe(false);
    const outcomes = { old: 0, new: 0 };
    let seed = 11;
    for (let i = 0; i < 6; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const key = `append/kill-${i}.fvx`;
      await copyBase(key);
      const r = await run(key, ((seed % 1000) / 1000) * whole.ms);
      const got = await settledBytes(key);
      // A child that finished replaced the object; one killed before completing left it.
      if (r.done) expect(got.equals(newBytes), `kill ${i}: done but not the new object`).toBe(true);
      if (got.equals(oldBytes)) outcomes.old++;
      else {
        expect(got.equals(newBytes), `kill ${i}: neither the old nor the new object`).toBe(true);
        outcomes.new++;
      }
      const ds = await openDataset(httpUrl(key), { workers: false });
      expect([16, 20]).toContain(ds.info.times.length);
    }
    expect(outcomes.old).toBeGreaterThan(0);
  }, 300_000);

  it("a failed pack leaves no object and aborts its upload", async () => {
    async function* failing(): AsyncIterable<TimestepData> {
      for (const s of input.steps) yield s; // 12 MB: the first parts after the held one are sent
      throw new Error("input went away");
    }
    // A client that records the commands it sends (s3rver does not list or abort uploads itself).
    const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
    const sent: { name: string; uploadId?: string }[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { UploadId?: string };
        sent.push({ name: String(context.commandName), uploadId: input.UploadId });
        return next(args);
      },
      { step: "initialize" },
    );
    const err = await packDataset(input.spec, failing(), `s3://${BUCKET}/runs/failed.fvx`, {
      ...opts,
      s3: { ...s3, client },
    }).catch((e) => e);
    expect(err.message).toMatch(/input went away/);
    expect((await fetch(httpUrl("runs/failed.fvx"))).status).toBe(404);
    const names = sent.map((x) => x.name);
    expect(names).toContain("UploadPartCommand"); // it had started uploading
    expect(names).not.toContain("CompleteMultipartUploadCommand");
    const abort = sent.find((x) => x.name === "AbortMultipartUploadCommand");
    expect(abort?.uploadId).toBe(sent.find((x) => x.name === "UploadPartCommand")?.uploadId);
  });

  it("the CLI: demo -o s3:// with --s3-endpoint, then merge on the command line", async () => {
    // Asynchronous: the store runs in this process.
    const cli = (args: string[], extra = ["--s3-endpoint", endpoint]) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["bin/flatvox.js", ...args, ...extra, "-q"], {
          env: process.env,
          stdio: ["ignore", "ignore", "pipe"],
          timeout: 120_000,
        });
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("close", (status) => resolve({ status, stderr }));
      });
    for (let i = 0; i < 2; i++) {
      const r = await cli([
        "demo",
        "scalar",
        "--size",
        "32",
        "--steps",
        "4",
        "--part",
        `${i}/2`,
        "-o",
        `s3://${BUCKET}/cli/p${i}.fvx`,
      ]);
      expect(r.status, r.stderr).toBe(0);
    }
    const m = await cli([
      "merge",
      `s3://${BUCKET}/cli/p0.fvx`,
      `s3://${BUCKET}/cli/p1.fvx`,
      "-o",
      `s3://${BUCKET}/cli/run.fvx`,
    ]);
    expect(m.status, m.stderr).toBe(0);
    const ds = await openDataset(httpUrl("cli/run.fvx"), { workers: false });
    expect(ds.info.times.length).toBe(4);
    // append on the command line: one more 32³ f32 step from a raw file.
    const raw = join(dir, "step.raw");
    writeFileSync(raw, Buffer.from(Float32Array.from({ length: 32 ** 3 }, (_, i) => (i % 97) / 97).buffer));
    const etag = (await fetch(httpUrl("cli/run.fvx"), { method: "HEAD" })).headers.get("etag");
    const a = await cli([
      "append",
      `s3://${BUCKET}/cli/run.fvx`,
      raw,
      "--dims",
      "32,32,32",
      "--dtype",
      "f32",
    ]);
    expect(a.status, a.stderr).toBe(0);
    const grown = await openDataset(httpUrl("cli/run.fvx"), { workers: false });
    expect(grown.info.times.length).toBe(5);
    expect((await fetch(httpUrl("cli/run.fvx"), { method: "HEAD" })).headers.get("etag")).not.toBe(etag);
    const v = await grown.readRegion({ field: 0, t: 4, box: { min: [0, 0, 0], max: [32, 32, 32] } });
    expect(v[98]).toBeCloseTo(1 / 97, 6);
    // The bytes of the merged object, read by range through the SDK, match what HTTP serves.
    const head = await s3GetRange(`s3://${BUCKET}/cli/run.fvx`, 0, 4096, s3);
    expect(Buffer.from(head).equals((await objectBytes("cli/run.fvx")).subarray(0, 4096))).toBe(true);
  }, 180_000);
});
