/**
 * A Node program that installs the packed tarball in a folder outside the
 * repository and uses it as a user would: `flatvox/node` packs a dataset, the
 * installed `flatvox serve` (compiled, no tsx installed) serves it, and
 * `flatvox` opens it over HTTP in one request, reads a region, picks and
 * computes statistics; `flatvox inspect` reads it too.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerDir, npmInstall, packedTarball, readmeExample } from "../../helpers/package";

let dir: string;
let server: ChildProcess | undefined;

beforeAll(() => {
  const { tarball } = packedTarball();
  dir = consumerDir("fvx-consumer-node-");
  npmInstall(dir, [tarball]);
}, 600_000);

afterAll(() => {
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// A ball of radius 10 (value 1 + distance from the centre inside, 0 outside) in a 40³ grid.
const MAKE = `
import { packDataset } from "flatvox/node";
const n = 40, c = 20, r = 10;
const v = new Float32Array(n * n * n);
for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
  const d = Math.hypot(x + 0.5 - c, y + 0.5 - c, z + 0.5 - c);
  v[x + n * (y + n * z)] = d <= r ? 1 + d : 0;
}
await packDataset({ dims: [n, n, n], fields: [{ name: "ball", dtype: "f32", kind: "scalar" }], times: [0] },
  [{ index: 0, fields: { ball: v } }], "ball.fvx", { brickSize: 16 });
console.log("packed");
`;

const READ = `
import { createSource, openDataset } from "flatvox";
const source = createSource(process.argv[2]);
const ds = await openDataset(source, { workers: false });
const openRequests = source.stats().requests;
const region = await ds.readRegion({ field: "ball", t: 0, box: { min: [18, 20, 20], max: [22, 21, 21] } });
const hit = await ds.pick({ field: "ball", t: 0, ray: { origin: [-5, 20.5, 20.5], direction: [1, 0, 0] }, threshold: 0.5 });
const stats = await ds.stats({ field: "ball", t: 0, box: { min: [0, 0, 0], max: [40, 40, 40] } });
console.log(JSON.stringify({ openRequests, dims: ds.info.dims, region: [...region], hit, count: stats.count, max: stats.max }));
`;

function node(args: string[]) {
  const r = spawnSync("node", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe("a Node program using the installed package", () => {
  it("installs without tsx and with the compiled CLI", () => {
    expect(existsSync(join(dir, "node_modules/flatvox/dist/index.js"))).toBe(true);
    expect(existsSync(join(dir, "node_modules/flatvox/src"))).toBe(false);
    expect(existsSync(join(dir, "node_modules/tsx"))).toBe(false);
    const help = node(["node_modules/flatvox/bin/flatvox.js", "--help"]);
    expect(help).toContain("inspect [options] <file-or-url>");
    expect(help).toContain("view [options] <files-or-urls...>");
  });

  it("packs, serves, opens over HTTP in one request, reads a region, picks and computes stats", async () => {
    writeFileSync(join(dir, "make.mjs"), MAKE);
    writeFileSync(join(dir, "read.mjs"), READ);
    expect(node(["make.mjs"])).toContain("packed");
    const inspect = node(["node_modules/flatvox/bin/flatvox.js", "inspect", "ball.fvx", "--json"]);
    expect(JSON.parse(inspect).dims).toEqual([40, 40, 40]);

    server = spawn("node", ["node_modules/flatvox/bin/flatvox.js", "serve", ".", "--port", "0", "-q"], {
      cwd: dir,
    });
    const url = await new Promise<string>((ok, fail) => {
      let out = "";
      server!.stdout!.on("data", (d) => {
        out += d;
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) ok(m[1]);
      });
      server!.once("exit", (code) => fail(new Error(`flatvox serve exited (${code}): ${out}`)));
    });
    const r = JSON.parse(node(["read.mjs", `${url}ball.fvx`]));
    expect(r.openRequests).toBe(1);
    expect(r.dims).toEqual([40, 40, 40]);
    // Voxels x = 18..21 on the row through the centre: 1 + distance from it.
    const expected = [18, 19, 20, 21].map((x) => 1 + Math.hypot(x + 0.5 - 20, 0.5, 0.5));
    expect(r.region.length).toBe(4);
    for (const [i, v] of (r.region as number[]).entries()) expect(v).toBeCloseTo(expected[i], 5);
    // The ray along that row enters the ball at the first voxel within radius 10.
    expect(r.hit.ijk).toEqual([10, 20, 20]);
    expect(r.hit.value).toBeCloseTo(1 + Math.hypot(10.5 - 20, 0.5, 0.5), 5);
    expect(r.count).toBe(40 ** 3);
    expect(r.max).toBeGreaterThan(10);

    // README's Node example, as written but for the server's address.
    const example = readmeExample("node");
    expect(example.split("\n").filter((l) => l.trim()).length).toBeLessThanOrEqual(11);
    writeFileSync(
      join(dir, "readme.mjs"),
      example.replace("http://127.0.0.1:8080/run.fvx", `${url}ball.fvx`),
    );
    // dims, timesteps, a 16³ region, the voxel where the ray along (y, z) = (16.5, 16.5) enters the ball.
    expect(node(["readme.mjs"])).toMatch(/^\[ 40, 40, 40 \] 1 4096 \[ 11, 16, 16 \] \d/);
  }, 120_000);
});
