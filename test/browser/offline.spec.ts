/**
 * Offline use in real Chromium against a real server on loopback that the
 * tests stop and restart (same port, so the same origin: same IndexedDB and
 * service worker). Covers: reopening a viewed dataset with the server gone,
 * "make available offline" then playing through offline, ETag change,
 * corrupt cache entries, and a small quota.
 */
import { copyFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { type RunningServer, startServer } from "../../src/cli/serve";

// A private copy of the built site: other runs may rebuild .cache/site (new files, new ETags) meanwhile.
let SITE = "";
const SCALAR = "data/gray-scott.fvx";
// lod=1 refines to level 0 wherever a voxel covers more than a pixel: full resolution in this viewport.
const FULL = "lod=1";

interface Snap {
  width: number;
  height: number;
  coverage: number;
  mean: [number, number, number];
  hash: string;
  tiles: number[];
}

/**
 * Largest difference between two frames' tile means (0–255). The same bricks
 * drawn from another atlas layout stay well under one level; a coarser level
 * or a missing region moves tiles by several.
 */
function tileDiff(a: Snap, b: Snap): number {
  expect(a.tiles.length).toBe(b.tiles.length);
  return Math.max(...a.tiles.map((v, i) => Math.abs(v - b.tiles[i])));
}

interface PickResult {
  value?: number;
  ijk: number[];
  level: number;
  exact: boolean;
}

type Hook = {
  ready: Promise<void>;
  isReady: boolean;
  error?: string;
  info(): { dims: number[]; fields: { name: string; kind: string }[]; times: number[] };
  state(): { t: number };
  setState(p: Record<string, unknown>): void;
  setPlayback(p: Record<string, unknown>): void;
  setResolution(r: number | undefined): void;
  /** Sync or async depending on the pick kernel in use: always awaited here. */
  pickAt(x: number, y: number): PickResult | undefined | Promise<PickResult | undefined>;
  picked(): PickResult | undefined;
  whenIdle(): Promise<{
    errors: number;
    unavailable: number;
    shownT: number;
    levels: Record<number, number>;
  }>;
  stats(): { errors: number; shownT: number; complete: boolean; levels: Record<number, number> };
  snapshot(): Snap;
  shareUrl(): string;
};

type OfflineHook = {
  cache(): Promise<
    | {
        flush(): Promise<void>;
        list(): Promise<{ key: string; bytes: number; entries: number }[]>;
        usage(): Promise<{ usageBytes: number; quotaBytes: number }>;
        stats(): { evictedEntries: number; corrupt: number };
      }
    | undefined
  >;
  dataset():
    | {
        online(): boolean;
        unavailable(): { count: number; levels: number[]; corrupt: number };
      }
    | undefined;
};

declare global {
  interface Window {
    __flatvox: Hook;
    __flatvoxOffline: OfflineHook;
  }
}

/** A server for .cache/site that can be stopped and started again on the same port. */
class Site {
  private server?: RunningServer;
  port = 0;
  async start(): Promise<void> {
    this.server = await startServer({ root: SITE, port: this.port, host: "127.0.0.1" });
    this.port = this.server.port;
  }
  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
  url(path = ""): string {
    return `http://127.0.0.1:${this.port}/${path}`;
  }
}

let site: Site;
test.beforeAll(() => {
  SITE = mkdtempSync(join(tmpdir(), "fvx-offline-site-"));
  cpSync(".cache/site", SITE, { recursive: true });
});
test.afterAll(() => {
  if (SITE) rmSync(SITE, { recursive: true, force: true });
});
test.beforeEach(async () => {
  site = new Site();
  await site.start();
});
test.afterEach(async () => {
  await site.stop();
});

async function waitReady(page: Page, resolution = 0.35): Promise<void> {
  await page.waitForFunction(() => window.__flatvox?.isReady === true, null, { timeout: 60_000 });
  await page.evaluate((r) => {
    window.__flatvox.setResolution(r);
    return window.__flatvox.whenIdle();
  }, resolution);
}

async function openViewer(page: Page, query: string): Promise<void> {
  await page.goto(site.url(`?${query}`));
  await waitReady(page);
}

/** Everything fetched so far is in IndexedDB. */
const flush = (page: Page) => page.evaluate(async () => (await window.__flatvoxOffline.cache())?.flush());
const snapshot = (page: Page) => page.evaluate(() => window.__flatvox.snapshot());
const idle = (page: Page) => page.evaluate(() => window.__flatvox.whenIdle());

/** The service worker controls the page (so a reload without a server still gets the app). */
async function swInControl(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

/** A canvas pixel whose pick hits data, with that pick. */
async function dataPixel(page: Page): Promise<{ x: number; y: number; pick: PickResult }> {
  const box = (await page.getByTestId("viewer-canvas").boundingBox())!;
  const hit = await page.evaluate(
    async ([w, h]) => {
      for (let fy = 0.3; fy < 0.8; fy += 0.04)
        for (let fx = 0.3; fx < 0.7; fx += 0.04) {
          const pick = await window.__flatvox.pickAt(fx * w, fy * h);
          if (pick?.value !== undefined) return { x: fx * w, y: fy * h, pick };
        }
      return undefined;
    },
    [box.width, box.height],
  );
  expect(hit, "some pixel should hit data").toBeTruthy();
  return hit!;
}

/** Pick at a pixel and wait until the value comes from level 0. */
async function exactPick(page: Page, x: number, y: number): Promise<PickResult> {
  await page.evaluate(async ([px, py]) => void (await window.__flatvox.pickAt(px, py)), [x, y]);
  await page.waitForFunction(() => window.__flatvox.picked()?.exact === true, null, { timeout: 30_000 });
  return (await page.evaluate(() => window.__flatvox.picked()))!;
}

/** Rows of the cache database, read directly (keys are [family, dataset, etag, offset, length]). */
function idbRows(page: Page) {
  return page.evaluate(
    () =>
      new Promise<{ family: string; etag: string; offset: number; length: number }[]>((resolve, reject) => {
        const req = indexedDB.open("flatvox-cache");
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const keys = db.transaction("entries").objectStore("entries").getAllKeys();
          keys.onsuccess = () => {
            db.close();
            resolve(
              (keys.result as unknown[][])
                .filter((k) => k[0] !== "m")
                .map((k) => ({
                  family: k[0] as string,
                  etag: k[2] as string,
                  offset: k[3] as number,
                  length: k[4] as number,
                })),
            );
          };
        };
      }),
  );
}

test("a viewed dataset reopens with the server gone: app, data on the canvas, exact picks", async ({
  page,
}) => {
  await openViewer(page, `url=${SCALAR}&${FULL}`);
  await swInControl(page);
  // Reload once online from the shareable URL, so the offline reload asks for exactly this view.
  await page.waitForFunction(() => location.search.includes("cam="));
  await page.reload();
  await waitReady(page);
  const before = await snapshot(page);
  expect(before.coverage).toBeGreaterThan(0.01);
  const { x, y } = await dataPixel(page);
  const online = await exactPick(page, x, y);
  await flush(page);

  await site.stop();
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId("online-indicator")).toHaveText(/offline/, { timeout: 10_000 });
  const after = await snapshot(page);
  expect(after.coverage).toBeGreaterThan(0.01);
  expect(Math.abs(after.coverage - before.coverage)).toBeLessThan(0.01);
  for (let i = 0; i < 3; i++) expect(Math.abs(after.mean[i] - before.mean[i])).toBeLessThan(1.5);
  const offline = await exactPick(page, x, y);
  expect(offline.ijk).toEqual(online.ijk);
  expect(offline.value).toBe(online.value);

  // The bare app URL reopens the last dataset too.
  await page.goto(site.url());
  await waitReady(page);
  expect(page.url()).toContain("url=data%2Fgray-scott.fvx");
  expect((await snapshot(page)).coverage).toBeGreaterThan(0.01);

  // Back online: the indicator flips.
  await site.start();
  await page.evaluate(() => window.__flatvox.setState({ t: 7 }));
  await idle(page);
  await expect(page.getByTestId("online-indicator")).toHaveText(/online/, { timeout: 10_000 });
});

test("with the browser offline, the last view reopens from the cache without a single request", async ({
  page,
}) => {
  await openViewer(page, `url=${SCALAR}&${FULL}`);
  await swInControl(page);
  await page.waitForFunction(() => location.search.includes("cam="));
  await page.reload();
  await waitReady(page);
  const before = await snapshot(page);
  await flush(page);
  await page.context().setOffline(true);
  const requested: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.endsWith(".fvx")) requested.push(r.url());
  });
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId("online-indicator")).toHaveText(/offline/);
  expect(requested).toEqual([]);
  const after = await snapshot(page);
  expect(Math.abs(after.coverage - before.coverage)).toBeLessThan(0.01);
  await page.context().setOffline(false);
});

test("offline, a timestep never fetched shows the coarser cached level and says what is missing", async ({
  page,
}) => {
  await openViewer(page, `url=${SCALAR}&t=0&${FULL}`);
  // Cache only level 1 of t=5 (the whole field, 8× coarser).
  await page.getByTestId("offline-t0").fill("5");
  await page.getByTestId("offline-t1").fill("5");
  await page.getByTestId("offline-levels").getByLabel("0", { exact: true }).uncheck();
  await expect(page.getByTestId("offline-estimate")).toContainText("to download");
  await page.getByTestId("offline-start").click();
  await expect(page.getByTestId("offline-status")).toHaveAttribute("data-phase", "done", { timeout: 60_000 });
  await flush(page);
  await site.stop();
  await page.evaluate(() => window.__flatvox.setState({ t: 5 }));
  await expect(page.getByTestId("offline-notice")).toContainText("level 0 (full resolution)", {
    timeout: 30_000,
  });
  await expect(page.getByTestId("offline-notice")).toContainText("time step 5");
  await page.waitForFunction(() => window.__flatvox.stats().shownT === 5, null, { timeout: 30_000 });
  expect((await snapshot(page)).coverage).toBeGreaterThan(0.01);
  const { pick: coarse } = await dataPixel(page);
  expect(coarse?.level).toBe(1);
  expect(coarse?.exact).toBe(false);
  expect(coarse?.value).toBeGreaterThan(0);
  // The missing bricks count as done offline: the view settles, with no error shown.
  const settled = await page.evaluate(() =>
    Promise.race([
      window.__flatvox.whenIdle(),
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000)),
    ]),
  );
  expect(settled).not.toBe("timeout");
  if (settled === "timeout") return;
  expect(settled.shownT).toBe(5);
  expect(settled.unavailable).toBeGreaterThan(0);
  expect(settled.errors).toBe(0);
  expect(await page.evaluate(() => window.__flatvox.error)).toBeUndefined();
  await expect(page.getByTestId("error-banner")).toHaveCount(0);
});

test("make available offline: 3 timesteps play offline at full resolution with zero failed requests", async ({
  page,
}) => {
  await openViewer(page, `url=${SCALAR}&t=0&${FULL}`);
  const T = (await page.evaluate(() => window.__flatvox.info())).times.length;
  const first = T - 3;
  await page.evaluate(() => window.__flatvox.setPlayback({ loop: false }));
  await page.evaluate((t) => window.__flatvox.setState({ t }), first);
  await idle(page);
  await page.getByTestId("offline-t0").fill(String(first));
  await page.getByTestId("offline-t1").fill(String(T - 1));
  await expect(page.getByTestId("offline-estimate")).toContainText("to download");
  await page.getByTestId("offline-start").click();
  // Pause and resume once on the way.
  await expect(page.getByTestId("offline-status")).toHaveAttribute("data-phase", /running|done/);
  if ((await page.getByTestId("offline-status").getAttribute("data-phase")) === "running") {
    await page.getByTestId("offline-pause").click();
    await expect(page.getByTestId("offline-status")).toHaveAttribute("data-phase", /paused|done/);
    if ((await page.getByTestId("offline-status").getAttribute("data-phase")) === "paused")
      await page.getByTestId("offline-start").click();
  }
  await expect(page.getByTestId("offline-status")).toHaveAttribute("data-phase", "done", { timeout: 90_000 });
  await expect(page.getByTestId("offline-estimate")).toContainText("0 B to download");
  // Reference frames online, full resolution (level 0 in the cut).
  const reference: { snap: Snap; levels: Record<number, number> }[] = [];
  for (let t = first; t < T; t++) {
    await page.evaluate((tt) => window.__flatvox.setState({ t: tt }), t);
    const s = await idle(page);
    expect(s.levels[0] ?? 0).toBeGreaterThan(0);
    reference.push({ snap: await snapshot(page), levels: s.levels });
  }
  await flush(page);

  await site.stop();
  const failed: string[] = [];
  const requested: string[] = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  page.on("request", (r) => requested.push(r.url()));
  for (let t = first; t < T; t++) {
    await page.evaluate((tt) => window.__flatvox.setState({ t: tt }), t);
    const s = await idle(page);
    expect(s.shownT).toBe(t);
    expect(s.unavailable).toBe(0);
    // The same bricks at the same levels as online, and the same picture.
    const ref = reference[t - first];
    expect(s.levels).toEqual(ref.levels);
    const snap = await snapshot(page);
    expect([snap.width, snap.height]).toEqual([ref.snap.width, ref.snap.height]);
    expect(Math.abs(snap.coverage - ref.snap.coverage)).toBeLessThan(0.001);
    expect(tileDiff(snap, ref.snap)).toBeLessThan(1);
  }
  // Playback through the range, then refined on pause.
  await page.evaluate((t) => window.__flatvox.setState({ t }), first);
  await page.evaluate(() => window.__flatvox.setPlayback({ playing: true, speed: 4, loop: false }));
  await page.waitForFunction((last) => window.__flatvox.stats().shownT === last, T - 1, { timeout: 30_000 });
  await idle(page);
  expect(failed).toEqual([]);
  expect(requested.filter((u) => new URL(u).pathname.endsWith(".fvx"))).toEqual([]);
  expect((await page.evaluate(() => window.__flatvox.stats())).errors).toBe(0);
});

test("a changed file under the same URL (new ETag) drops the stale entries and shows the new data", async ({
  page,
}) => {
  const name = `etag-${process.pid}-${Date.now()}.fvx`;
  const path = `${SITE}/data/${name}`;
  copyFileSync(`${SITE}/data/material-world.fvx`, path);
  try {
    await openViewer(page, `url=data/${name}`);
    const v1 = await page.evaluate(() => window.__flatvox.info());
    await flush(page);
    const oldEtags = new Set((await idbRows(page)).map((r) => r.etag));
    expect(oldEtags.size).toBe(1);
    copyFileSync(`${SITE}/${SCALAR}`, path);
    await page.goto(site.url(`?url=data/${name}`));
    await waitReady(page);
    const v2 = await page.evaluate(() => window.__flatvox.info());
    expect(v2.fields[0].name).not.toBe(v1.fields[0].name);
    expect(v2.dims).toEqual([128, 128, 128]);
    expect((await snapshot(page)).coverage).toBeGreaterThan(0.01);
    await flush(page);
    const rows = await idbRows(page);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => oldEtags.has(r.etag))).toEqual([]);
  } finally {
    rmSync(path, { force: true });
  }
});

/** Flip bytes inside cached entries (not the envelope checksum): returns how many were damaged. */
function corruptEntries(page: Page, every: number): Promise<number> {
  return page.evaluate(
    (n) =>
      new Promise<number>((resolve, reject) => {
        const req = indexedDB.open("flatvox-cache");
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction("entries", "readwrite");
          const store = tx.objectStore("entries");
          let damaged = 0;
          let seen = 0;
          const cur = store.openCursor(IDBKeyRange.bound(["d"], ["d", []]));
          cur.onsuccess = () => {
            const c = cur.result;
            if (!c) return;
            const key = c.key as unknown[];
            // Keep the open block: without it nothing could be reported about the rest.
            if ((key[3] as number) > 0 && seen++ % n === 0) {
              const row = c.value as { data: Uint8Array; checksum: number };
              const data = row.data.slice();
              for (let i = 0; i < data.length; i += 97) data[i] ^= 0x5a;
              c.update({ ...row, data });
              damaged++;
            }
            c.continue();
          };
          tx.oncomplete = () => {
            db.close();
            resolve(damaged);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    every,
  );
}

test("corrupt cache entries are discarded and refetched online, reported offline, never rendered", async ({
  page,
}) => {
  await openViewer(page, `url=${SCALAR}&${FULL}`);
  await page.waitForFunction(() => location.search.includes("cam="));
  await page.reload();
  await waitReady(page);
  const good = await snapshot(page);
  const goodLevels = (await idle(page)).levels;
  await flush(page);

  // Online: every damaged entry is detected, discarded and fetched again; the image is the same.
  expect(await corruptEntries(page, 1)).toBeGreaterThan(0);
  await page.reload();
  await waitReady(page);
  const again = await snapshot(page);
  expect((await idle(page)).levels).toEqual(goodLevels);
  expect(tileDiff(again, good)).toBeLessThan(1);
  const stats = await page.evaluate(async () => (await window.__flatvoxOffline.cache())!.stats());
  expect(stats.corrupt).toBeGreaterThan(0);
  await flush(page);

  // Offline: damaged entries are reported as unavailable; the rest still draws.
  expect(await corruptEntries(page, 2)).toBeGreaterThan(0);
  await site.stop();
  await page.reload();
  await expect(page.getByTestId("offline-notice")).toContainText("corrupt", { timeout: 60_000 });
  const u = await page.evaluate(() => window.__flatvoxOffline.dataset()!.unavailable());
  expect(u.corrupt).toBeGreaterThan(0);
  const shown = await snapshot(page);
  expect(tileDiff(shown, good)).toBeGreaterThan(4);
});

test("a small quota evicts least-recently-used entries and the session keeps working", async ({ page }) => {
  await openViewer(page, `url=${SCALAR}&t=0&${FULL}`);
  // Room for about three timesteps (the shown one and the one prefetched after it fit together).
  const quota = 10 * 2 ** 20;
  await page.getByTestId("cache-quota").fill("10");
  await page.getByTestId("cache-quota-save").click();
  await expect(page.getByTestId("cache-usage")).toContainText("of 10.0 MiB quota");
  for (let t = 1; t <= 6; t++) {
    await page.evaluate((tt) => window.__flatvox.setState({ t: tt }), t);
    const s = await idle(page);
    expect(s.shownT).toBe(t);
    expect((await snapshot(page)).coverage).toBeGreaterThan(0.01);
  }
  await flush(page);
  const { usage, stats, list } = await page.evaluate(async () => {
    const c = (await window.__flatvoxOffline.cache())!;
    return { usage: await c.usage(), stats: c.stats(), list: await c.list() };
  });
  expect(usage.quotaBytes).toBe(quota);
  expect(usage.usageBytes).toBeLessThanOrEqual(quota);
  expect(stats.evictedEntries).toBeGreaterThan(0);
  expect(list.length).toBe(1);
  expect(await page.evaluate(() => window.__flatvox.error)).toBeUndefined();
  // The most recent timestep survived eviction: it reopens offline.
  await site.stop();
  await page.reload();
  await waitReady(page);
  expect((await page.evaluate(() => window.__flatvox.stats())).shownT).toBe(6);
  // The cache manager deletes a dataset.
  await page.getByTestId("cache-delete").first().click();
  await expect(page.getByTestId("cache-entry")).toHaveCount(0, { timeout: 10_000 });
});
