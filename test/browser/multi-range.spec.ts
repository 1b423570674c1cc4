// Multi-range requests in real Chromium: used on the page's own origin (no CORS
// preflight needed), not cross-origin by default, and when asked for
// cross-origin, `flatvox serve` answers the preflight and the multipart body.
// The same bytes every way.
import { expect, test } from "@playwright/test";
import { build } from "esbuild";

test("scattered reads: one multi-range request on the page's origin, single ranges cross-origin", async ({
  page,
  baseURL,
}) => {
  const bundle = await build({
    entryPoints: ["test/unit/io/multi-range.browser.ts"],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "multiRange",
    platform: "browser",
    target: "es2022",
    // Node-only modules behind dynamic imports (local files) are never loaded in a page.
    external: ["node:*"],
  });
  const ranges: string[] = [];
  page.on("request", (r) => {
    const range = r.headers().range;
    if (range && r.url().includes("gray-scott.fvx")) ranges.push(`${new URL(r.url()).host} ${range}`);
  });
  await page.goto("/data/catalog.json");
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const same = "/data/gray-scott.fvx";
  const port = new URL(baseURL!).port;
  const cross = `http://localhost:${port}/data/gray-scott.fvx`;
  const run = (url: string, mode: string) =>
    page.evaluate(
      // biome-ignore lint/suspicious/noExplicitAny: the bundle's global
      ([u, m]) => (window as any).multiRange.runMultiRange(u, m),
      [url, mode] as const,
    );

  const sameAuto = await run(same, "auto");
  const sameNever = await run(same, "never");
  const seen = JSON.stringify({ sameAuto, sameNever, ranges });
  expect(sameAuto.multiRange, seen).toBe(true);
  expect(sameAuto.requests, seen).toBe(1);
  expect(sameNever.requests).toBe(6);
  expect(sameAuto.hash).toBe(sameNever.hash);

  ranges.length = 0;
  const crossAuto = await run(cross, "auto");
  expect(crossAuto.multiRange).toBe(false);
  expect(crossAuto.requests).toBe(6);
  expect(crossAuto.hash).toBe(sameNever.hash);
  expect(ranges.length).toBe(7);
  for (const r of ranges) expect(r).toMatch(/^localhost:\d+ bytes=\d+-\d+$/);

  ranges.length = 0;
  const crossAlways = await run(cross, "always");
  expect(crossAlways.requests).toBe(1);
  expect(crossAlways.hash).toBe(sameNever.hash);
  expect(ranges.filter((r) => r.includes(",")).length).toBe(1);
});
