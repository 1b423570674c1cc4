// A small packed dataset served over loopback HTTP, and what a region read of it
// should cost: the brick ranges it needs and how the coalescer would merge them.
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { grayScottDemo } from "../../../src/demo/gray-scott";
import { materialWorldDemo } from "../../../src/demo/material-world";
import { Encoding } from "../../../src/format/constants";
import { planRuns } from "../../../src/io/with-coalescing";
import type { Dataset, LocatedEntry } from "../../../src/reader";
import { asBytes, type Box3, type TypedArray, type Vec3 } from "../../../src/shared/types";
import { packDataset } from "../../../src/writer/packer";
import {
  makeTempDir,
  type RequestRecord,
  startFlatvox,
  startNginx,
  type TestServer,
} from "../../helpers/servers";

export type ServerKind = "flatvox" | "nginx";
export const SERVER_KINDS: ServerKind[] = ["flatvox", "nginx"];

export interface Fixture {
  dir: string;
  /** File name of the packed dataset inside `dir`. */
  name: string;
  path: string;
  bytes: Uint8Array;
  /** Copy the dataset under a new name (for tests that change or cut the file). */
  copy(name: string): string;
  /** Remove the whole directory. */
  remove(): void;
}

/**
 * Gray–Scott 48³ × 3 steps with 16³ bricks (3 levels, ~0.5 MB), or the
 * material world (u16 categorical with uniform and deduplicated bricks).
 */
export async function packFixture(
  kind: "scalar" | "material" = "scalar",
  dir = makeTempDir("fvx-http-"),
): Promise<Fixture> {
  const name = kind === "scalar" ? "gs.fvx" : "mw.fvx";
  const path = join(dir, name);
  const demo =
    kind === "scalar"
      ? grayScottDemo({ size: 48, steps: 3, seed: 7 })
      : materialWorldDemo({ size: 48, steps: 3, seed: 7 });
  await packDataset(demo.spec, demo.steps, path, { brickSize: 16, workers: 0 });
  return {
    dir,
    name,
    path,
    bytes: new Uint8Array(readFileSync(path)),
    copy(to) {
      copyFileSync(path, join(dir, to));
      return join(dir, to);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function startServer(kind: ServerKind, root: string): Promise<TestServer> {
  return kind === "flatvox" ? startFlatvox(root) : startNginx(root);
}

/**
 * Requests the server saw for one file. The flatvox server records a status
 * when the response closes, which can trail a client that stopped reading (an
 * ETag mismatch discards the body), so wait briefly for every status.
 */
export async function requestsFor(server: TestServer, name: string): Promise<RequestRecord[]> {
  let log: RequestRecord[] = [];
  for (let i = 0; i < 50; i++) {
    log = (await server.log()).filter((r) => new URL(r.url, "http://x").pathname === `/${name}`);
    if (log.every((r) => r.status !== undefined)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return log;
}

/** Brick coordinates (of the box's level) that a box touches. */
export function bricksOf(ds: Dataset, box: Box3): Vec3[] {
  const B = ds.info.brickSize;
  const out: Vec3[] = [];
  for (let bz = Math.floor(box.min[2] / B); bz * B < box.max[2]; bz++)
    for (let by = Math.floor(box.min[1] / B); by * B < box.max[1]; by++)
      for (let bx = Math.floor(box.min[0] / B); bx * B < box.max[0]; bx++) out.push([bx, by, bz]);
  return out;
}

/**
 * Entries whose stored bytes a region read must fetch: every non-uniform brick
 * of the box plus, for delta bricks, their reference chains. Also loads (and so
 * caches in `ds`) every hierarchy page involved.
 */
export async function neededEntries(
  ds: Dataset,
  q: { field: number; t: number; level: number; box: Box3 },
): Promise<LocatedEntry[]> {
  const out: LocatedEntry[] = [];
  const visit = async (e: LocatedEntry): Promise<void> => {
    if (e.encoding === Encoding.UNIFORM) return;
    out.push(e);
    if (e.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
      await visit(await ds.brickEntry(e.field, e.refT, e.level, e.brick));
    }
  };
  for (const b of bricksOf(ds, q.box)) await visit(await ds.brickEntry(q.field, q.t, q.level, b));
  return out;
}

/** Coalesced runs the transport should turn those entries into (identical ranges read once). */
export function expectedRuns(entries: LocatedEntry[], gap: number, maxRequest: number): number {
  const seen = new Set<string>();
  const ranges = entries
    .filter((e) => {
      const k = `${e.offset}+${e.length}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .map((e) => ({ offset: e.offset, length: e.length }))
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  return planRuns(ranges, gap, maxRequest).length;
}

export function sameValues(a: TypedArray, b: TypedArray): boolean {
  return a.constructor === b.constructor && Buffer.compare(asBytes(a), asBytes(b)) === 0;
}

/** Run `p`, failing if it takes longer than `ms` (a hang must not pass as a slow success). */
export async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}
