// The browser checks, run in Node over fake-indexeddb (an extra; the real check runs in Chromium).
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { runIdbStoreChecks } from "./idb-store.browser";

describe("IdbCacheStore over fake-indexeddb", () => {
  it("passes every IndexedDB check", async () => {
    const results = await runIdbStoreChecks();
    expect(results.length).toBe(7);
    for (const r of results) expect(r, `${r.name}: ${r.detail}`).toMatchObject({ ok: true });
  });
});
