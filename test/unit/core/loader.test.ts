import { describe, expect, it } from "vitest";
import { loadCore } from "../../../src/core/core";
import { createJsMemory } from "../../../src/core/core-memory";
import { wasmSimdSupported } from "../../../src/core/wasm-loader";

describe("WASM loader", () => {
  it("detects SIMD and picks the SIMD build by default", async () => {
    expect(wasmSimdSupported()).toBe(true);
    const core = await loadCore();
    expect(core.implementation).toBe("wasm-simd");
  });

  it("hands out views over WASM memory that follow memory.grow", async () => {
    const core = await loadCore({ implementation: "wasm-scalar" });
    const p = core.memory.alloc(16);
    core.memory.views().u8[p] = 42;
    const before = core.memory.views().buffer;
    const big = core.memory.alloc(8 << 20);
    const after = core.memory.views();
    expect(after.buffer).not.toBe(before);
    expect(after.u8[p]).toBe(42);
    expect(big % 16).toBe(0);
    core.memory.reset();
    expect(core.memory.alloc(16)).toBe(p);
  });

  it("the JS memory behaves the same", () => {
    const m = createJsMemory(65536);
    const p = m.alloc(10);
    m.views().u8[p] = 7;
    const q = m.alloc(1 << 20);
    expect(m.views().u8[p]).toBe(7);
    expect(q % 16).toBe(0);
    const mark = m.mark();
    m.alloc(100);
    m.release(mark);
    expect(m.mark()).toBe(mark);
  });
});
