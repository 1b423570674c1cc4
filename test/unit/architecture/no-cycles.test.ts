// No import cycles in src/: every static, dynamic and type-only import of a
// relative module counts (a type cycle still ties two modules' designs together).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(__dirname, "../../../src");

/**
 * The viewer's streaming engine and pick session import each other; that pair
 * is being taken apart in the viewer. Exactly this one cycle is tolerated
 * until then; any other cycle, or this one growing, fails.
 */
const TOLERATED: string[][] = [];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|tsx|mjs|js)$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^"';]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|^import\s+["'](\.{1,2}\/[^"']+)["']/gm;

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}.mjs`, join(base, "index.ts")])
    if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

/** The import graph of src/ (file → files it imports). */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sources(SRC)) {
    const text = readFileSync(f, "utf8");
    const out = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      const target = resolveImport(f, m[1] ?? m[2] ?? m[3]);
      if (target) out.add(target);
    }
    g.set(f, [...out]);
  }
  return g;
}

/** Strongly connected components with more than one module (Tarjan, iterative). */
function cycles(g: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of g.keys()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    while (work.length) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      if (i === 0) {
        index.set(v, next);
        low.set(v, next++);
        stack.push(v);
        onStack.add(v);
      }
      const edges = g.get(v) ?? [];
      if (i < edges.length) {
        frame[1]++;
        const w = edges[i];
        if (!index.has(w)) work.push([w, 0]);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) out.push(scc);
      }
    }
  }
  return out.map((c) => c.map((f) => relative(SRC, f)).sort());
}

describe("module structure", () => {
  it("the cycle finder finds a planted cycle and ignores a chain", () => {
    const g = new Map([
      ["/a", ["/b"]],
      ["/b", ["/c"]],
      ["/c", ["/a"]],
      ["/d", ["/a"]],
    ]);
    expect(cycles(g).map((c) => c.length)).toEqual([3]);
  });

  it("the graph sees the imports of a known module", () => {
    const g = importGraph();
    const deps = (g.get(join(SRC, "reader/dataset.ts")) ?? []).map((f) => relative(SRC, f));
    expect(deps).toContain("reader/dataset-types.ts");
    expect(deps).toContain("reader/pick.ts");
    expect(g.size).toBeGreaterThan(150);
  });

  it("src/ has no import cycles", () => {
    const found = cycles(importGraph()).filter(
      (c) => !TOLERATED.some((t) => t.length === c.length && t.every((f, i) => c[i] === f)),
    );
    expect(found.map((c) => c.map((f) => relative(SRC, f)))).toEqual([]);
  });
});
