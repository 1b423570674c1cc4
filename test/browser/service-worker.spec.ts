/**
 * The built app's service worker (Workbox, built by vite-plugin-pwa): it
 * precaches every file of the app shell, never stores dataset bytes (the
 * IndexedDB cache owns those), removes the caches of the worker before it,
 * and a reload with the server gone brings the viewer back.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { type RunningServer, startServer } from "../../src/cli/serve";

let SITE = "";
let server: RunningServer | undefined;
let port = 0;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => relative(SITE, join(d.parentPath, d.name)).split("\\").join("/"));
}

async function start(): Promise<void> {
  server = await startServer({ root: SITE, port, host: "127.0.0.1" });
  port = server.port;
}
const url = (path = "") => `http://127.0.0.1:${port}/${path}`;

test.beforeAll(() => {
  // A private copy: other runs may rebuild .cache/site meanwhile.
  SITE = mkdtempSync(join(tmpdir(), "fvx-sw-site-"));
  cpSync(".cache/site", SITE, { recursive: true });
});
test.afterAll(() => {
  if (SITE) rmSync(SITE, { recursive: true, force: true });
});
test.beforeEach(start);
test.afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The viewer's test hooks used here (the page's window). */
type Hooked = {
  __flatvox?: {
    isReady: boolean;
    whenIdle(): Promise<unknown>;
    setResolution(r: number): void;
    snapshot(): { coverage: number };
  };
  __flatvoxOffline: { cache(): Promise<{ flush(): Promise<void> } | undefined> };
};

async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as Hooked).__flatvox?.isReady === true, null, {
    timeout: 60_000,
  });
  await page.evaluate(() => {
    const v = (window as unknown as Hooked).__flatvox!;
    v.setResolution(0.35);
    return v.whenIdle();
  });
}

test("the service worker precaches the whole app shell, stores no dataset bytes, and the viewer reloads offline", async ({
  page,
}) => {
  // A cache left by the previous hand-written worker, made before any worker runs here.
  await page.goto(url("favicon.svg"));
  await page.evaluate(async () => {
    const c = await caches.open("flatvox-shell-0123456789abcdef");
    await c.put(new Request("stale.js"), new Response("stale"));
  });

  await page.goto(url("?url=data/gray-scott.fvx&lod=1"));
  await waitReady(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  const scriptUrl = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
  expect(scriptUrl).toBe(url("sw.js"));
  // Reload once online from the shareable URL, so the offline reload asks for exactly this view.
  await page.waitForFunction(() => location.search.includes("cam="));
  await page.reload();
  await waitReady(page);

  const cached = await page.evaluate(async () => {
    const out: Record<string, string[]> = {};
    for (const name of await caches.keys()) {
      const c = await caches.open(name);
      out[name] = (await c.keys()).map((r) => r.url);
    }
    return out;
  });
  expect(Object.keys(cached).filter((n) => n.startsWith("flatvox-shell-"))).toEqual([]);
  const precacheName = Object.keys(cached).find((n) => n.includes("precache"));
  expect(precacheName, `caches: ${Object.keys(cached).join(", ")}`).toBeTruthy();
  const precached = cached[precacheName!].map((u) => new URL(u).pathname.slice(1)).sort();
  const shell = files(SITE)
    .filter((f) => !f.startsWith("data/") && !f.endsWith(".map") && f !== "sw.js")
    .sort();
  expect(shell).toContain("index.html");
  expect(shell.some((f) => f.endsWith(".wasm"))).toBe(true);
  expect(shell.some((f) => /worker.*\.js$/.test(f))).toBe(true);
  expect(precached).toEqual(shell);
  // Dataset bytes are the IndexedDB cache's job: no .fvx response in any Cache Storage cache.
  expect(
    Object.values(cached)
      .flat()
      .filter((u) => new URL(u).pathname.endsWith(".fvx")),
  ).toEqual([]);

  const before = await page.evaluate(() => (window as unknown as Hooked).__flatvox!.snapshot());
  expect(before.coverage).toBeGreaterThan(0.01);
  await page.evaluate(async () => (await (window as unknown as Hooked).__flatvoxOffline.cache())?.flush());

  await server?.close();
  server = undefined;
  const failed: string[] = [];
  page.on("requestfailed", (r) => {
    if (!new URL(r.url()).pathname.endsWith(".fvx")) failed.push(r.url());
  });
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId("online-indicator")).toHaveText(/offline/, { timeout: 10_000 });
  expect(
    (await page.evaluate(() => (window as unknown as Hooked).__flatvox!.snapshot())).coverage,
  ).toBeGreaterThan(0.01);
  // Every shell file came from the precache.
  expect(failed).toEqual([]);
  await start();
});
