/**
 * The viewer's modules form no import cycle (type-only imports included: a
 * cycle of types is still two ideas that cannot be understood apart).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../../../src/viewer");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|tsx)$/.test(n) && !n.endsWith(".d.ts") ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {}
  }
  return undefined;
}

/** Import graph of src/viewer (edges to files inside it only). */
function viewerGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files(ROOT)) {
    const src = readFileSync(f, "utf8");
    const deps: string[] = [];
    for (const m of src.matchAll(/(?:import|export)\s[^"';]*?from\s+["']([^"']+)["']/g)) {
      const r = resolveImport(f, m[1]);
      if (r?.startsWith(ROOT)) deps.push(r);
    }
    g.set(f, deps);
  }
  return g;
}

/** One cycle per strongly connected component with more than one file (or a self-import). */
function findCycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v))
        out.push(comp.map((c) => relative(ROOT, c)).sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe("src/viewer import graph", () => {
  it("finds a cycle when there is one (the check itself works)", () => {
    const g = new Map([
      ["/a", ["/b"]],
      ["/b", ["/c"]],
      ["/c", ["/a"]],
      ["/d", ["/a"]],
    ]);
    expect(findCycles(g).length).toBe(1);
  });

  it("has no cycle", () => {
    const g = viewerGraph();
    expect(g.size).toBeGreaterThan(30);
    expect(findCycles(g)).toEqual([]);
  });
});
