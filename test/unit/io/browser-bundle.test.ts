// The HTTP path must bundle for browsers without node: modules; the file
// source is only reachable through a dynamic import that browsers never take.
import { resolve } from "node:path";
import type { OutputChunk, RolldownOutput } from "rolldown";
import { build } from "vite";
import { expect, it } from "vitest";

it("create-source bundles for the browser with node:fs only in a lazily loaded chunk", async () => {
  const out = (await build({
    configFile: false,
    logLevel: "silent",
    root: resolve(__dirname, "../../.."),
    build: {
      write: false,
      minify: false,
      lib: {
        entry: resolve(__dirname, "../../../src/io/create-source.ts"),
        formats: ["es"],
        fileName: "entry",
      },
    },
  })) as RolldownOutput | RolldownOutput[];
  const chunks = (Array.isArray(out) ? out[0] : out).output.filter(
    (o): o is OutputChunk => o.type === "chunk",
  );
  const entry = chunks.find((c) => c.isEntry)!;
  const fileChunk = chunks.find((c) => c.facadeModuleId?.endsWith("file-source.ts"))!;
  expect(fileChunk).toBeDefined();
  // Everything the entry loads eagerly, transitively.
  const eager = new Set<string>();
  const visit = (name: string) => {
    if (eager.has(name)) return;
    eager.add(name);
    for (const i of chunks.find((c) => c.fileName === name)?.imports ?? []) visit(i);
  };
  visit(entry.fileName);
  expect(eager.has(fileChunk.fileName)).toBe(false);
  expect(entry.dynamicImports).toContain(fileChunk.fileName);
  for (const name of eager) {
    const code = chunks.find((c) => c.fileName === name)!.code;
    expect(code).not.toMatch(/node:(fs|path|url|http)/);
    expect(code).not.toMatch(/__vite-browser-external/);
  }
  expect(entry.code).toContain("Range");
});
