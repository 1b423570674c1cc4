// The reader against misbehaving servers and changing files, over real HTTP:
// every fault is retried or ends in a typed error, promptly, and data that does
// arrive is identical to the local file's.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DIRECTORY_ENTRY_SIZE, PREAMBLE_SIZE, SectionKind } from "../../../src/format/constants";
import type { ByteSource } from "../../../src/io/byte-source";
import { createSource } from "../../../src/io/create-source";
import { decorate } from "../../../src/io/decorate";
import { type Dataset, openDataset } from "../../../src/reader";
import { isFlatvoxError } from "../../../src/shared/errors";
import type { Box3 } from "../../../src/shared/types";
import { changeFile, type TestServer } from "../../helpers/servers";
import { directory, reseal } from "../reader/hostile";
import {
  type Fixture,
  packFixture,
  requestsFor,
  SERVER_KINDS,
  sameValues,
  startServer,
  within,
} from "./fixture";

let fx: Fixture;
let local: Dataset;
beforeAll(async () => {
  fx = await packFixture("scalar");
  local = await openDataset(fx.path);
  const n = fx.bytes.length;
  // Shorter than its own header claims: the open block is intact, later timesteps are cut off.
  writeFileSync(join(fx.dir, "cut.fvx"), fx.bytes.subarray(0, Math.floor(n * 0.6)));
  // The same cut in a file without a body section (as written before it existed): open cannot tell.
  writeFileSync(join(fx.dir, "cut-bodiless.fvx"), withoutBody(fx.bytes).subarray(0, Math.floor(n * 0.6)));
  // Shorter than the open block it declares.
  writeFileSync(join(fx.dir, "tiny.fvx"), fx.bytes.subarray(0, 1000));
  writeFileSync(join(fx.dir, "empty.fvx"), new Uint8Array(0));
});
afterAll(() => fx?.remove());

const FULL: Box3 = { min: [0, 0, 0], max: [48, 48, 48] };
const full = (t: number) => ({ field: 0, t, level: 0, box: FULL });

/** A copy whose body section is emptied (length 0), directory checksums re-sealed. */
function withoutBody(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  const i = directory(b).findIndex((s) => s.kind === SectionKind.BODY);
  expect(i).toBeGreaterThanOrEqual(0);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const at = PREAMBLE_SIZE + i * DIRECTORY_ENTRY_SIZE;
  v.setBigUint64(at + 16, 0n, true);
  v.setBigUint64(at + 24, 0n, true);
  return reseal(b);
}

/** Calls `onBrick` as the first brick read goes down to the transport (a deterministic "mid-read"). */
function onFirstBrick(src: ByteSource, onBrick: () => void): ByteSource {
  let fired = false;
  return decorate(src, (offset, length, opts = {}) => {
    const p = src.getBytes(offset, length, opts);
    if (!fired && opts.purpose === "brick") {
      fired = true;
      onBrick();
    }
    return p;
  });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e) => e,
  );
}

describe.each(SERVER_KINDS)("over %s", (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, fx.dir);
  });
  afterAll(() => server?.stop());

  it("a file changed mid-session (new ETag) → ETagChangedError, not retried", async () => {
    const path = fx.copy(`changing-${kind}.fvx`);
    const ds = await openDataset(`${server.url}changing-${kind}.fvx`);
    expect(sameValues(await ds.readRegion(full(0)), await local.readRegion(full(0)))).toBe(true);
    changeFile(path, fx.bytes); // same bytes, new mtime: a new validator all the same
    await server.clearLog();
    const e = await within(5000, rejection(ds.readRegion(full(1))));
    expect(isFlatvoxError(e, "ETagChangedError")).toBe(true);
    expect((e as Error).message).toMatch(/changed on the server/);
    const log = await requestsFor(server, `changing-${kind}.fvx`);
    expect(log.length).toBeGreaterThanOrEqual(1);
    expect(log.every((r) => r.status === 206)).toBe(true);
    // Retrying cannot help: at most one request per brick run (default coalescing: one run here).
    expect(log.length).toBe(1);
  });

  it("a file cut short while open → typed error (its 416 carries the new size), no hang", async () => {
    const path = fx.copy(`shrinking-${kind}.fvx`);
    const ds = await openDataset(`${server.url}shrinking-${kind}.fvx`);
    changeFile(path, fx.bytes.subarray(0, 100_000));
    await server.clearLog();
    const e = await within(5000, rejection(ds.readRegion(full(2))));
    expect(isFlatvoxError(e, "ETagChangedError")).toBe(true);
    const log = await requestsFor(server, `shrinking-${kind}.fvx`);
    expect(log.map((r) => r.status)).toEqual([416]);
  });

  it("a file shorter than its body section claims → TruncatedError at open, in the one request", async () => {
    await server.clearLog();
    const e = await within(5000, rejection(openDataset(`${server.url}cut.fvx`)));
    expect(isFlatvoxError(e, "TruncatedError")).toBe(true);
    expect((e as Error).message).toMatch(/body section ends at \d+, the file is \d+ bytes/);
    const log = await requestsFor(server, "cut.fvx");
    expect(log.map((r) => r.status)).toEqual([206]);
  });

  it("a cut file without a body section: early data reads, the rest is a TruncatedError", async () => {
    await server.clearLog();
    const ds = await openDataset(`${server.url}cut-bodiless.fvx`);
    expect(sameValues(await ds.readRegion(full(0)), await local.readRegion(full(0)))).toBe(true);
    const e = await within(5000, rejection(ds.readRegion(full(2))));
    expect(isFlatvoxError(e, "TruncatedError")).toBe(true);
    expect((e as { context: { section?: string; offset?: number } }).context.section).toBe("brick");
    expect((e as Error).message).toMatch(/beyond the end of the file/);
    // Ranges past the end are refused before any request: every request was answerable.
    const log = await requestsFor(server, "cut-bodiless.fvx");
    expect(log.every((r) => r.status === 206)).toBe(true);
  });

  it("a file shorter than its open block → TruncatedError at open", async () => {
    const e = await within(5000, rejection(openDataset(`${server.url}tiny.fvx`)));
    expect(isFlatvoxError(e, "TruncatedError")).toBe(true);
    expect((e as { context: { section?: string } }).context.section).toBe("open block");
  });

  it("an empty file → a typed error at open, whether the server answers 416 or 200", async () => {
    await server.clearLog();
    const e = await within(5000, rejection(openDataset(`${server.url}empty.fvx`)));
    expect(isFlatvoxError(e)).toBe(true);
    const log = await requestsFor(server, "empty.fvx");
    expect(log).toHaveLength(1);
    expect([200, 416]).toContain(log[0].status);
  });

  it("416 for a range past the end → RangeNotSatisfiableError, sent once", async () => {
    await server.clearLog();
    const src = createSource(`${server.url}${fx.name}`);
    const e = await within(5000, rejection(src.getBytes(fx.bytes.length + 10, 100)));
    expect(isFlatvoxError(e, "RangeNotSatisfiableError")).toBe(true);
    expect((e as { context: { status?: number } }).context.status).toBe(416);
    expect((await requestsFor(server, fx.name)).map((r) => r.status)).toEqual([416]);
  });

  it("abort mid-read → AbortError promptly; the dataset still reads afterwards", async () => {
    const ctl = new AbortController();
    const src = onFirstBrick(createSource(`${server.url}${fx.name}`), () => ctl.abort());
    const ds = await openDataset(src);
    const started = performance.now();
    const e = await within(2000, rejection(ds.readRegion(full(1), { signal: ctl.signal })));
    expect(isFlatvoxError(e, "AbortError")).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(sameValues(await ds.readRegion(full(1)), await local.readRegion(full(1)))).toBe(true);
  });
});

describe("over flatvox with injected faults", () => {
  let server: TestServer;
  const url = () => `${server.url}${fx.name}`;
  beforeAll(async () => {
    server = await startServer("flatvox", fx.dir);
  });
  afterAll(() => server?.stop());
  beforeEach(async () => {
    for (const k of Object.keys(server.faults)) delete server.faults[k as keyof typeof server.faults];
    await server.clearLog();
  });

  it("a server that ignores Range still works: one 200, every read served from it", async () => {
    server.faults.ignoreRange = true;
    const src = createSource(url());
    const ds = await openDataset(src);
    for (const t of [0, 1, 2]) {
      expect(sameValues(await ds.readRegion(full(t)), await local.readRegion(full(t)))).toBe(true);
    }
    const log = await requestsFor(server, fx.name);
    expect(log.map((r) => r.status)).toEqual([200]);
    // The accounting says what went over the wire: one request carrying the whole file.
    expect(src.stats()).toMatchObject({ requests: 1, bytes: fx.bytes.length });
  });

  it("5xx then success is retried: data correct, the server saw the retries", async () => {
    const src = createSource(url(), { retry: { baseMs: 20 } });
    const ds = await openDataset(src);
    await server.clearLog();
    src.reset();
    server.faults.failNext = 2;
    const got = await ds.readRegion(full(2));
    expect(sameValues(got, await local.readRegion(full(2)))).toBe(true);
    const statuses = (await requestsFor(server, fx.name)).map((r) => r.status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    expect(statuses.at(-1)).toBe(206);
    expect(src.stats()).toMatchObject({ errors: 2, requests: statuses.length });
  });

  it("a 5xx on the opening request is retried too", async () => {
    server.faults.failNext = 1;
    server.faults.failStatus = 502;
    const ds = await openDataset(createSource(url(), { retry: { baseMs: 20 } }));
    expect(ds.info.dims).toEqual([48, 48, 48]);
    expect((await requestsFor(server, fx.name)).map((r) => r.status)).toEqual([502, 206]);
  });

  it("connection resets are retried", async () => {
    const ds = await openDataset(createSource(url(), { retry: { baseMs: 20 } }));
    server.faults.resetNext = 1;
    expect(sameValues(await ds.readRegion(full(1)), await local.readRegion(full(1)))).toBe(true);
  });

  it("persistent 5xx → HttpError naming the status once retries run out", async () => {
    const ds = await openDataset(createSource(url(), { retry: { retries: 2, baseMs: 10 } }));
    await server.clearLog();
    server.faults.failNext = 100;
    const e = await within(5000, rejection(ds.readRegion(full(0))));
    expect(isFlatvoxError(e, "HttpError")).toBe(true);
    expect((e as Error).message).toMatch(/503/);
    expect(await requestsFor(server, fx.name)).toHaveLength(3);
  });

  it("abort while the server stalls → AbortError at once, not after the stall timeout", async () => {
    const ds = await openDataset(createSource(url()));
    server.faults.stallNext = 1;
    const ctl = new AbortController();
    const p = rejection(ds.readRegion(full(0), { signal: ctl.signal }));
    await new Promise((r) => setTimeout(r, 150));
    const aborted = performance.now();
    ctl.abort();
    const e = await within(2000, p);
    expect(isFlatvoxError(e, "AbortError")).toBe(true);
    expect(performance.now() - aborted).toBeLessThan(500);
    expect((await requestsFor(server, fx.name)).length).toBeGreaterThanOrEqual(1);
  });
});
