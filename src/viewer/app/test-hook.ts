/**
 * `window.__flatvox`: a small, stable hook for browser tests and scripting.
 * Tests wait on `ready` / `whenIdle()` instead of sleeping.
 */
import type { ViewerInfo } from "../data/viewer-types";
import type { PickResult } from "../pick/pick-session";
import type { Snapshot } from "../render/viewport";
import type { EngineStats, Playback, ViewerEngine } from "../stream/engine";
import type { ViewState } from "./view-state";

export interface FlatvoxHook {
  /** Resolves once a dataset is open and its first complete frame is drawn. */
  ready: Promise<void>;
  isReady: boolean;
  /** performance.now() (ms since navigation start) when `ready` resolved. */
  readyAt?: number;
  /** Message of the last error shown to the user, if any. */
  error?: string;
  frames(): number;
  info(): ViewerInfo | undefined;
  state(): (ViewState & { camera: { position: number[]; target: number[] } }) | undefined;
  setState(patch: Partial<ViewState>): void;
  setPlayback(p: Partial<Playback>): void;
  /** Pick at canvas-relative CSS pixels; the same as a click there. */
  pickAt(x: number, y: number): Promise<PickResult | undefined>;
  picked(): PickResult | undefined;
  stats(): EngineStats | undefined;
  /** Resolves when every visible brick is loaded and drawn. */
  whenIdle(): Promise<EngineStats | undefined>;
  /** Draw now and summarize the canvas pixels. */
  snapshot(): Snapshot | undefined;
  /** The shareable URL of the current view. */
  shareUrl(): string;
  /** Fix the render resolution scale (drawing-buffer px per CSS px) so snapshots compare; undefined = adaptive. */
  setResolution(r: number | undefined): void;
  /** The engine itself, for debugging from the console. */
  engine(): ViewerEngine | undefined;
}

let resolveReady: () => void = () => {};
let engineRef: ViewerEngine | undefined;
let shareUrl: () => string = () => location.href;

export const hook: FlatvoxHook = {
  ready: new Promise<void>((r) => {
    resolveReady = r;
  }),
  isReady: false,
  frames: () => engineRef?.viewport.frames ?? 0,
  info: () => engineRef?.info,
  state: () => (engineRef ? { ...engineRef.state, camera: engineRef.cameraState() } : undefined),
  setState: (p) => engineRef?.setState(p),
  setPlayback: (p) => engineRef?.setPlayback(p),
  pickAt: async (x, y) => engineRef?.pickAt(x, y),
  picked: () => engineRef?.pick.result,
  stats: () => engineRef?.stats(),
  whenIdle: async () => engineRef?.whenIdle(),
  snapshot: () => engineRef?.snapshot(),
  shareUrl: () => shareUrl(),
  engine: () => engineRef,
  setResolution: (r) => engineRef?.viewport.fixResolution(r),
};

export function installHook(): void {
  (window as unknown as { __flatvox: FlatvoxHook }).__flatvox = hook;
}

export function attachEngine(engine: ViewerEngine | undefined, share: () => string): void {
  engineRef = engine;
  shareUrl = share;
  if (!engine) return;
  void engine.whenIdle().then(() => {
    if (engineRef !== engine) return;
    hook.isReady = true;
    hook.readyAt = performance.now();
    resolveReady();
  });
}

export function reportError(message: string | undefined): void {
  hook.error = message;
}
