// The persistent cache against Chromium's real IndexedDB: the checks live in
// test/unit/cache/idb-store.browser.ts; here they are bundled and run in a page
// served from the test server's origin (IndexedDB needs a real origin).
import { expect, test } from "@playwright/test";
import { build } from "esbuild";

test("IndexedDB cache store: set/get, batching, eviction, corruption in real Chromium", async ({ page }) => {
  const bundle = await build({
    entryPoints: ["test/unit/cache/idb-store.browser.ts"],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "idbChecks",
    platform: "browser",
    target: "es2022",
  });
  await page.goto("/data/catalog.json");
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const results = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the bundle's global
    return (window as any).idbChecks.runIdbStoreChecks();
  });
  expect(results.length).toBeGreaterThanOrEqual(5);
  for (const r of results as { name: string; ok: boolean; detail: string }[]) {
    expect(r.ok, `${r.name}: ${r.detail}`).toBe(true);
  }
});
