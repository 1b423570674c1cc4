/**
 * What the compiled CLI loads to start: `flatvox --help`, `flatvox inspect`
 * and `flatvox pack --help` must not load the heavy input readers (h5wasm,
 * zarrita, nifti, VTK, netCDF, GeoTIFF), the viewer (react, three), the WASM
 * zstd decoder or worker threads. Every module Node loads is recorded by a
 * module hook in the child process (test/helpers/module-trace.mjs).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtDist, ROOT } from "../../helpers/package";

let dir = "";
let file = "";
const env = { ...process.env, FLATVOX_CLI: "dist" };

beforeAll(() => {
  builtDist();
  dir = mkdtempSync(join(tmpdir(), "fvx-startup-modules-"));
  file = join(dir, "small.fvx");
  execFileSync(
    "node",
    ["bin/flatvox.js", "demo", "scalar", "--size", "32", "--steps", "2", "--brick", "16", "-q", "-o", file],
    { cwd: ROOT, env },
  );
}, 600_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Module URLs loaded by `node bin/flatvox.js ...args` (compiled CLI), and its stdout. */
function loaded(args: string[]): { modules: string[]; stdout: string } {
  const trace = join(dir, `trace-${args.join("-").replace(/\W+/g, "_")}.txt`);
  rmSync(trace, { force: true });
  const stdout = execFileSync(
    "node",
    ["--import", "./test/helpers/module-trace-register.mjs", "bin/flatvox.js", ...args],
    { cwd: ROOT, env: { ...env, FLATVOX_MODULE_TRACE: trace }, encoding: "utf8" },
  );
  return { modules: readFileSync(trace, "utf8").trim().split("\n"), stdout };
}

const HEAVY = [
  /node_modules\/h5wasm\//,
  /node_modules\/zarrita\//,
  /node_modules\/@zarrita\//,
  /node_modules\/nifti-reader-js\//,
  /node_modules\/netcdfjs\//,
  /node_modules\/geotiff\//,
  /node_modules\/fast-xml-parser\//, // VTK XML
  /\/dist\/inputs\//,
  /node_modules\/react(-dom)?\//,
  /node_modules\/three\//,
  /\/dist\/viewer\//,
  /\/dist\/writer\//,
  /node_modules\/@aws-sdk\//,
];

function heavy(modules: string[]): string[] {
  return modules.filter((m) => HEAVY.some((re) => re.test(m)));
}

describe("compiled CLI start-up loads only what the command needs", () => {
  it("flatvox --help: the stored overview, no command module", () => {
    const { modules, stdout } = loaded(["--help"]);
    expect(stdout).toContain("inspect");
    expect(stdout).toContain("pack");
    expect(modules.some((m) => m.endsWith("/dist/cli/main.js"))).toBe(true);
    expect(modules.filter((m) => /\/dist\/cli\/(?!main\.js)/.test(m))).toEqual([]);
    expect(heavy(modules)).toEqual([]);
    expect(modules.length).toBeLessThan(20);
  });

  it("flatvox inspect: the reader only, with the pure-JS zstd decoder and no worker threads", () => {
    const { modules, stdout } = loaded(["inspect", file]);
    expect(stdout).toContain("32 × 32 × 32");
    expect(modules.some((m) => m.endsWith("/dist/cli/inspect.js"))).toBe(true);
    expect(heavy(modules)).toEqual([]);
    // The WASM zstd decoder (and the fetch machinery it instantiates through) is not loaded.
    expect(modules.filter((m) => /node_modules\/(zstddec|@bokuweb|zstd-napi)\//.test(m))).toEqual([]);
    // No other command's module.
    expect(modules.filter((m) => /\/dist\/cli\/(?!main\.js|inspect\.js)/.test(m))).toEqual([]);
  });

  it("flatvox pack --help: the pack command's options without any input reader", () => {
    const { modules, stdout } = loaded(["pack", "--help"]);
    expect(stdout).toContain("--dims");
    expect(modules.some((m) => m.endsWith("/dist/cli/pack.js"))).toBe(true);
    expect(heavy(modules).filter((m) => !/\/dist\/writer\//.test(m))).toEqual([]);
  });
});
