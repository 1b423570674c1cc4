// The JS view of the WASM exports is generated from asc's declarations
// (src/core/wasm/generated/exports.ts), and the hand-written CoreOps that the
// JS twins implement names the same kernels with the same parameters.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error a plain .mjs build script without declarations
import { ascDeclarations, exportsModule } from "../../../scripts/wasm-exports.mjs";
import { createJsCore } from "../../../src/core/core";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const read = (p: string) => readFileSync(`${root}/${p}`, "utf8");

/** Labels of a tuple type's text ("[a: number, ...Other, b: number]"), spreads expanded from `tuples`. */
function labels(tuple: string, tuples: Map<string, string[]>): string[] {
  return tuple
    .replace(/^\s*\[|\]\s*,?\s*$/g, "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .flatMap((p) => (p.startsWith("...") ? (tuples.get(p.slice(3)) ?? [p]) : [p.split(":")[0]]));
}

/** name → parameter names, from the methods of one interface's text (rest tuples expanded). */
function methods(text: string, iface: string): Map<string, string[]> {
  const tuples = new Map<string, string[]>();
  for (const m of text.matchAll(/type (\w+) = (\[[^\]]*\]);/g)) tuples.set(m[1], labels(m[2], new Map()));
  const start = text.indexOf(`interface ${iface} {`);
  const body = text.slice(start, text.indexOf("\n}", start)).replace(/\/\*\*[\s\S]*?\*\//g, "");
  const out = new Map<string, string[]>();
  for (const m of body.matchAll(/^\s*(\w+)\(([^)]*)\):/gm)) {
    const rest = m[2].match(/^\s*\.\.\.\w+: (\[[\s\S]*\])\s*$/);
    out.set(
      m[1],
      rest
        ? labels(rest[1], tuples)
        : m[2]
            .split(",")
            .map((p) => p.trim().split(":")[0])
            .filter(Boolean),
    );
  }
  return out;
}

describe("WASM export types", () => {
  it("the committed exports.ts is what asc's declarations of assembly/ generate now", async () => {
    const fresh = exportsModule(await ascDeclarations(root));
    expect(fresh).toBe(read("src/core/wasm/generated/exports.ts"));
  }, 120_000);

  it("every CoreOps kernel is a WASM export with the same parameters, and the JS twin implements it", () => {
    const core = methods(read("src/core/core-ops.ts"), "CoreOps");
    const wasm = methods(read("src/core/wasm/generated/exports.ts"), "WasmExports");
    expect(core.size).toBeGreaterThan(10);
    expect(core.get("rayOctree")).toHaveLength(17);
    for (const [name, params] of core) {
      expect(wasm.get(name), `WASM export ${name}`).toEqual(params);
    }
    const js = createJsCore().ops as unknown as Record<string, unknown>;
    for (const name of core.keys()) expect(typeof js[name], `JS twin ${name}`).toBe("function");
  });
});
