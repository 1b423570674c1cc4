/**
 * What `npm pack` ships: the compiled library with types, the WASM kernels,
 * the compiled CLI and the built viewer; no tests, no sources. publint and
 * arethetypeswrong (ESM-only profile) must find nothing.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Packed, packedTarball, ROOT } from "../../helpers/package";

let packed: Packed;
beforeAll(() => {
  packed = packedTarball();
}, 600_000);

describe("the package tarball", () => {
  it("holds the WASM kernels, every export target and the compiled CLI", () => {
    const files = new Set(packed.files);
    expect(files.has("dist/wasm/flatvox.wasm")).toBe(true);
    expect(files.has("dist/wasm/flatvox-scalar.wasm")).toBe(true);
    expect(files.has("bin/flatvox.js")).toBe(true);
    expect(files.has("dist/cli/main.js")).toBe(true);
    expect(files.has("dist/cli/commands.json")).toBe(true);
    expect(files.has("dist/app/index.html")).toBe(true);
    // The app shell's service worker (vite-plugin-pwa), with its precache manifest.
    expect(files.has("dist/app/sw.js")).toBe(true);
    // The worker modules the library starts by URL.
    for (const w of [
      "dist/worker/decode-worker.js",
      "dist/worker/node-bootstrap.mjs",
      "dist/writer/compress-worker.js",
      "dist/viewer/backend/backend-worker.js",
    ])
      expect(files.has(w), w).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const targets: string[] = [];
    for (const v of Object.values(pkg.exports) as (string | Record<string, string>)[])
      targets.push(...(typeof v === "string" ? [v] : Object.values(v)));
    for (const t of targets) expect(files.has(t.replace(/^\.\//, "")), t).toBe(true);
  });

  it("lists no test files, no TypeScript sources and no source maps", () => {
    const bad = packed.files.filter(
      (f) =>
        /(^|\/)(test|tests|__tests__|fixtures)\//.test(f) ||
        /\.(test|spec)\.[cm]?[jt]sx?$/.test(f) ||
        (/\.tsx?$/.test(f) && !f.endsWith(".d.ts")) ||
        f.startsWith("src/") ||
        f.endsWith(".map"),
    );
    expect(bad).toEqual([]);
  });

  it("has a package.json without private, with react/react-dom/three as optional peers and tsx not at run time", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.private).toBeUndefined();
    for (const p of ["react", "react-dom", "three"]) {
      expect(pkg.dependencies[p]).toBeUndefined();
      expect(pkg.peerDependencies[p]).toBeDefined();
      expect(pkg.peerDependenciesMeta[p].optional).toBe(true);
    }
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.optionalDependencies["zstd-napi"]).toBeDefined();
    expect(pkg.dependencies["@bokuweb/zstd-wasm"]).toBeDefined();
  });

  it("passes publint (strict)", () => {
    const r = spawnSync("npx", ["publint", "run", packed.tarball, "--strict"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.stdout + r.stderr).toContain("All good");
    expect(r.status).toBe(0);
  }, 120_000);

  it("passes arethetypeswrong for an ESM-only package", () => {
    const r = spawnSync(
      "npx",
      [
        "attw",
        packed.tarball,
        "--profile",
        "esm-only",
        "--exclude-entrypoints",
        "./viewer.css",
        "--format",
        "json",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    const report = JSON.parse(r.stdout);
    // Problems grouped by kind; node10 and CommonJS resolution are out of scope for an ESM-only package.
    const problems = Object.values(
      report.problems as Record<string, { kind: string; resolutionKind?: string }[]>,
    ).flat();
    expect(problems.length).toBeGreaterThan(0); // the ignored ones are reported, so the report was read
    const counted = problems.filter(
      (p) => p.resolutionKind !== "node10" && p.resolutionKind !== "node16-cjs",
    );
    expect(counted).toEqual([]);
    expect(r.status).toBe(0);
  }, 120_000);
});
