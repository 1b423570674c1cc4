/**
 * Offline reopen in headless Chromium against a loopback server:
 *  - cold open over HTTP (fresh context: empty IndexedDB and HTTP cache) vs
 *    warm reopen of the same view from IndexedDB, with the server up (one
 *    validating request) and with the server stopped (offline): navigation →
 *    first complete frame, and requests to the dataset;
 *  - IndexedDB write throughput for brick-sized entries (MB/s, records/s)
 *    through the cache manager, and one transaction vs one per record.
 * Prints JSON. Needs the site built (.cache/site; `node scripts/prepare-site.mjs`).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { build } from "esbuild";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../playwright.config";
import { type RunningServer, startServer } from "../src/cli/serve";
import { argNumber, argString, environment, printJson, ratio, summarize } from "./lib/report";

type Hook = {
  isReady: boolean;
  readyAt?: number;
  setResolution(r: number): void;
  whenIdle(): Promise<unknown>;
};
type W = { __flatvox: Hook; __flatvoxOffline: { cache(): Promise<{ flush(): Promise<void> } | undefined> } };

const runs = argNumber("runs", 3);
const dataset = argString("dataset", "data/gray-scott.fvx");
const query = `url=${encodeURIComponent(dataset)}&lod=1`;

if (!existsSync(".cache/site/index.html"))
  spawnSync("node", ["scripts/prepare-site.mjs"], { stdio: "inherit" });

let server: RunningServer = await startServer({ root: ".cache/site", port: 0 });
const port = server.port;
const base = `http://127.0.0.1:${port}/`;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });

/** Navigate and return navigation → first complete frame (ms) and dataset requests. */
async function open(page: Page): Promise<{ ms: number; requests: number }> {
  let requests = 0;
  const count = (r: { url(): string }) => {
    if (new URL(r.url()).pathname.endsWith(".fvx")) requests++;
  };
  page.on("request", count);
  await page.goto(`${base}?${query}`);
  await page.waitForFunction(() => (window as unknown as W).__flatvox?.isReady === true, null, {
    timeout: 120_000,
  });
  const ms = await page.evaluate(() => (window as unknown as W).__flatvox.readyAt ?? Number.NaN);
  page.off("request", count);
  return { ms, requests };
}

const flush = (page: Page) =>
  page.evaluate(async () => (await (window as unknown as W).__flatvoxOffline.cache())?.flush());

try {
  const cold: number[] = [];
  const coldReq: number[] = [];
  const warm: number[] = [];
  const warmReq: number[] = [];
  const offline: number[] = [];
  const offlineReq: number[] = [];
  const noNetwork: number[] = [];
  const noNetworkReq: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const c = await open(page);
    cold.push(c.ms);
    coldReq.push(c.requests);
    await page.evaluate(() => (window as unknown as W).__flatvox.whenIdle());
    await flush(page);
    // Same view again, bricks from IndexedDB (the open request still validates the ETag).
    const w = await open(page);
    warm.push(w.ms);
    warmReq.push(w.requests);
    await server.close();
    const o = await open(page);
    offline.push(o.ms);
    offlineReq.push(o.requests);
    server = await startServer({ root: ".cache/site", port });
    // The browser knows it has no network (navigator.onLine false): no retries to wait for.
    await ctx.setOffline(true);
    const n = await open(page);
    noNetwork.push(n.ms);
    noNetworkReq.push(n.requests);
    await ctx.close();
  }

  // IndexedDB writes, in a page of the same origin (IndexedDB needs one).
  const bundle = await build({
    entryPoints: ["bench/offline-idb-page.ts"],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "idbBench",
    platform: "browser",
    target: "es2022",
  });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}data/catalog.json`);
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const writes = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the bundle's global
    const b = (window as any).idbBench;
    return {
      bricks256k: await b.managerWrites(120, 256 * 1024),
      bricks64k: await b.managerWrites(400, 64 * 1024),
      small4k: await b.managerWrites(1000, 4096),
      raw1000x4k: await b.rawBatching(1000, 4096),
    };
  });
  await ctx.close();

  const coldS = summarize(cold);
  const warmS = summarize(warm);
  const offS = summarize(offline);
  const noNetS = summarize(noNetwork);
  printJson({
    bench: "offline-reopen",
    dataset,
    view: query,
    runs,
    firstFrameMs: {
      coldHttp: coldS,
      warmIndexedDb: warmS,
      serverGoneIndexedDb: offS,
      browserOfflineIndexedDb: noNetS,
    },
    requests: {
      coldHttp: summarize(coldReq, 0),
      warmIndexedDb: summarize(warmReq, 0),
      serverGone: summarize(offlineReq, 0),
      browserOffline: summarize(noNetworkReq, 0),
    },
    ratio: {
      warmOverCold: ratio(warmS.median, coldS.median),
      serverGoneOverCold: ratio(offS.median, coldS.median),
      browserOfflineOverCold: ratio(noNetS.median, coldS.median),
    },
    indexedDbWrites: writes,
    env: environment(),
  });
} finally {
  await browser.close();
  await server.close();
}
