// The package as users get it: dist/ built (library, compiled CLI, viewer app),
// then `npm pack`ed once per build into .cache/pack and installed by consumer
// tests in temporary folders outside the repository.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const PACK_DIR = join(ROOT, ".cache/pack");

export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the package, as npm lists them. */
  files: string[];
  size: number;
  unpackedSize: number;
}

/** Run `fn` holding a lock shared by test processes (build and pack must not run twice at once). */
function locked<T>(fn: () => T): T {
  const lock = join(ROOT, ".cache/pack.lock");
  mkdirSync(join(ROOT, ".cache"), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${lock} held for 15 minutes; remove it if no test runs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Build dist/ (library and compiled CLI) if stale. */
export function builtDist(): void {
  locked(() =>
    execFileSync("node", ["scripts/build-lib.mjs", "--if-stale"], { cwd: ROOT, stdio: "inherit" }),
  );
}

/** Build dist/ if stale, then `npm pack` it (reused while the build is unchanged). */
export function packedTarball(): Packed {
  return locked(buildAndPack);
}

function buildAndPack(): Packed {
  execFileSync("node", ["scripts/build-lib.mjs", "--app", "--if-stale"], { cwd: ROOT, stdio: "inherit" });
  const stamp = readFileSync(join(ROOT, "dist/.build-stamp"), "utf8");
  const meta = join(PACK_DIR, "pack.json");
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, "utf8"));
    if (m.stamp === stamp && existsSync(m.packed.tarball)) return m.packed;
  }
  rmSync(PACK_DIR, { recursive: true, force: true });
  mkdirSync(PACK_DIR, { recursive: true });
  // The build above is the prepack step; --ignore-scripts keeps npm from running it again.
  const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", PACK_DIR], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const [info] = JSON.parse(out);
  const packed: Packed = {
    tarball: join(PACK_DIR, info.filename),
    files: info.files.map((f: { path: string }) => f.path),
    size: info.size,
    unpackedSize: info.unpackedSize,
  };
  writeFileSync(meta, JSON.stringify({ stamp, packed }));
  return packed;
}

/** A fresh folder outside the repository with a package.json. */
export function consumerDir(prefix: string, pkg: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module", ...pkg }, null, 2),
  );
  return dir;
}

/**
 * `npm install` from the local cache first (the registry only for what it
 * lacks). Without install scripts: the optional native zstd addon would
 * compile from source for minutes; unbuilt, the writer's WASM zstd runs.
 */
export function npmInstall(dir: string, specs: string[]): void {
  const r = spawnSync(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      ...specs,
    ],
    { cwd: dir, encoding: "utf8" },
  );
  if (r.status !== 0)
    throw new Error(`npm install ${specs.join(" ")} failed in ${dir}:\n${r.stdout}\n${r.stderr}`);
}

/** The code block after `<!-- readme-test: name -->` in README.md: the examples users copy are run as tests. */
export function readmeExample(name: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const m = new RegExp(`<!-- readme-test: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no example marked readme-test: ${name}`);
  return m[1];
}
