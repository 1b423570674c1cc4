/** Re-render a component when the engine reports a change (at most once per animation frame). */
import { useEffect, useReducer } from "react";
import type { ViewerEngine } from "../stream/engine";

export function useEngine(engine: ViewerEngine | undefined): number {
  const [version, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => {
    if (!engine) return;
    let raf = 0;
    const off = engine.subscribe(() => {
      if (raf) return;
      raf = requestAnimationFrame(() => {
        raf = 0;
        bump();
      });
    });
    const offState = engine.onState(() => bump());
    return () => {
      off();
      offState();
      if (raf) cancelAnimationFrame(raf);
    };
  }, [engine]);
  return version;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}
