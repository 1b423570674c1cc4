/** ByteLru: the memory tier's byte budget, recency order and oversize values. */
import { describe, expect, it } from "vitest";
import { ByteLru } from "../../../src/cache/memory-lru";

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe("ByteLru", () => {
  it("evicts the least recently used values once the byte budget is exceeded", () => {
    const lru = new ByteLru<string>(100);
    lru.set("a", bytes(40));
    lru.set("b", bytes(40));
    expect(lru.get("a")?.length).toBe(40); // a is now the most recent
    lru.set("c", bytes(40)); // 120 > 100: b goes
    expect(lru.has("b")).toBe(false);
    expect(lru.has("a")).toBe(true);
    expect(lru.has("c")).toBe(true);
    expect(lru.bytes).toBe(80);
    expect(lru.size).toBe(2);
  });

  it("keeps no value larger than the whole budget, and drops the old one under that key", () => {
    const lru = new ByteLru<string>(100);
    lru.set("a", bytes(10));
    lru.set("a", bytes(101));
    expect(lru.has("a")).toBe(false);
    expect(lru.bytes).toBe(0);
  });

  it("replaces a value and accounts the new size", () => {
    const lru = new ByteLru<number>(100);
    lru.set(1, bytes(30, 1));
    lru.set(1, bytes(50, 2));
    expect(lru.bytes).toBe(50);
    expect(lru.get(1)?.[0]).toBe(2);
    expect(lru.delete(1)).toBe(true);
    expect(lru.delete(1)).toBe(false);
    expect(lru.bytes).toBe(0);
  });

  it("shrinking the budget keeps the most recently used values", () => {
    const lru = new ByteLru<string>(100);
    for (const k of ["a", "b", "c"]) lru.set(k, bytes(30));
    lru.get("a");
    lru.setBudget(60);
    expect(lru.has("b")).toBe(false);
    expect(lru.has("a") && lru.has("c")).toBe(true);
    lru.setBudget(0);
    lru.set("d", bytes(1));
    expect(lru.size).toBe(0);
  });
});
