/**
 * The public API of each package entry point, by exported name: a change here
 * is a change users see, so it must be made on purpose (update api.json in the
 * same commit, with `FLATVOX_API_UPDATE=1 npx vitest run test/unit/package/api.test.ts`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const SNAPSHOT = new URL("./api.json", import.meta.url);

const ENTRIES: Record<string, () => Promise<Record<string, unknown>>> = {
  flatvox: () => import("../../../src/index"),
  "flatvox/node": () => import("../../../src/node"),
  "flatvox/viewer": () => import("../../../src/viewer/embed/index"),
};

/** Every export with what kind of thing it is, so a value turning into something else shows too. */
async function surface(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [name, load] of Object.entries(ENTRIES)) {
    const mod = await load();
    out[name] = Object.keys(mod)
      .sort()
      .map(
        (k) =>
          `${k}: ${typeof mod[k] === "function" && /^class\b/.test(String(mod[k])) ? "class" : typeof mod[k]}`,
      );
  }
  return out;
}

describe("public API", () => {
  it("matches the recorded exports of flatvox, flatvox/node and flatvox/viewer", async () => {
    const now = await surface();
    if (process.env.FLATVOX_API_UPDATE === "1") writeFileSync(SNAPSHOT, `${JSON.stringify(now, null, 2)}\n`);
    const recorded = JSON.parse(readFileSync(SNAPSHOT, "utf8"));
    expect(now).toEqual(recorded);
  });

  it("keeps the Node-only parts out of the browser entry", async () => {
    const now = await surface();
    const names = (e: string) => now[e].map((s) => s.split(":")[0]);
    for (const nodeOnly of ["FileSource", "packDataset", "buildCatalog"]) {
      expect(names("flatvox")).not.toContain(nodeOnly);
      expect(names("flatvox/node")).toContain(nodeOnly);
    }
    // flatvox/node is a superset: one import serves a Node program.
    expect(names("flatvox/node")).toEqual(expect.arrayContaining(names("flatvox")));
    expect(names("flatvox/viewer")).toEqual(["FlatvoxViewer", "mountViewer"]);
  });
});
