// The decode worker pool in real Chromium: module Web Workers built from the
// same src/worker code as Node's worker threads. The page's results (decoded
// region hashes, picks, stats of a demo dataset) must equal Node's, computed
// here over the same file.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { build, type Plugin } from "esbuild";

// Node builtins used only on Node paths (file sources, worker_threads) become
// empty CommonJS stubs, as Vite's browser build does.
const nodeStubs: Plugin = {
  name: "node-stubs",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: "node-stub" }));
    b.onLoad({ filter: /.*/, namespace: "node-stub" }, () => ({
      contents: "module.exports = {};",
      loader: "js",
    }));
  },
};

const bundle = async (entry: string) =>
  (
    await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2022",
      logLevel: "error",
      plugins: [nodeStubs],
    })
  ).outputFiles[0].text;

test("worker pool: decode, pick and stats in Chromium equal Node", async ({ page }) => {
  const [main, worker] = await Promise.all([
    bundle("test/unit/worker/pool-digest.browser.ts"),
    bundle("src/worker/decode-worker.ts"),
  ]);
  // Served under one prefix mirroring the repository, so the bundles'
  // `new URL(..., import.meta.url)` find the worker and the WASM core.
  const served: Record<string, { body: string | Buffer; type: string }> = {
    "/__fvx/src/worker/entry.js": { body: main, type: "text/javascript" },
    "/__fvx/src/worker/decode-worker.ts": { body: worker, type: "text/javascript" },
    "/__fvx/assembly/build/flatvox.wasm": {
      body: readFileSync("assembly/build/flatvox.wasm"),
      type: "application/wasm",
    },
    "/__fvx/assembly/build/flatvox-scalar.wasm": {
      body: readFileSync("assembly/build/flatvox-scalar.wasm"),
      type: "application/wasm",
    },
  };
  const requested: string[] = [];
  await page.route("**/__fvx/**", async (route) => {
    const path = new URL(route.request().url()).pathname;
    requested.push(path);
    const f = served[path];
    if (!f) return route.fulfill({ status: 404, body: "not found" });
    // The page is cross-origin isolated (COEP): its workers must opt in too.
    return route.fulfill({
      status: 200,
      body: f.body,
      contentType: f.type,
      headers: {
        "Cross-Origin-Embedder-Policy": "require-corp",
        "Cross-Origin-Resource-Policy": "same-origin",
      },
    });
  });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto("/data/catalog.json");
  await page.addScriptTag({ url: "/__fvx/src/worker/entry.js", type: "module" });
  await page.waitForFunction(() => "fvxPoolDigest" in globalThis);
  const inBrowser = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the bundle's global
    return (globalThis as any).fvxPoolDigest(`${location.origin}/data/gray-scott.fvx`);
  });
  expect(errors).toEqual([]);
  expect(requested).toContain("/__fvx/src/worker/decode-worker.ts"); // real Web Workers ran
  expect(inBrowser.mode).toBe("workers");
  expect(inBrowser.implementation).toBe("wasm-simd");

  const inNode = JSON.parse(
    execFileSync("npx", ["tsx", "test/unit/worker/pool-digest-cli.ts", ".cache/site/data/gray-scott.fvx"], {
      encoding: "utf8",
    }),
  );
  expect(inNode.mode).toBe("workers");
  expect(inBrowser).toEqual(inNode);
  expect(inBrowser.picks.filter(Boolean).length).toBeGreaterThanOrEqual(2);
});
