/**
 * Taking results away: a PNG of the current view at any resolution, and a
 * WebM movie of playback.
 *
 * The screenshot renders the scene again into an offscreen render target of
 * the requested size, in tiles no larger than the GPU allows (the camera's
 * view offset selects each tile of the full frame), and assembles the tiles
 * on a 2D canvas; the colour key (colorbar or material legend) is drawn on
 * it too. It shows the bricks the screen view has loaded (the level of detail
 * chosen for the screen).
 *
 * The movie records the canvas stream (MediaRecorder, VP9 or VP8 in WebM)
 * while playback runs from the first timestep to the last.
 */
import * as THREE from "three";
import type { Material } from "../../shared/palette";
import { colormapAt } from "../render/colormaps";
import { effectiveWindow, type ScaleSpec, scaleTicks, windowPosition } from "../render/transfer-function";
import type { ViewerEngine } from "../stream/engine";
import { materialList, scaleSpecOf } from "./ColorKey";
import { formatNumber } from "./use-engine";

/** Largest side the browser's 2D canvas reliably holds. */
export const MAX_SCREENSHOT_SIDE = 16384;

export class CaptureError extends Error {}

/** Render the current view into RGBA pixels of width × height (rows top to bottom). */
export function renderPixels(
  engine: ViewerEngine,
  width: number,
  height: number,
): Uint8ClampedArray<ArrayBuffer> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new CaptureError(`screenshot size must be whole pixels ≥ 1, got ${width}×${height}`);
  if (width > MAX_SCREENSHOT_SIDE || height > MAX_SCREENSHOT_SIDE)
    throw new CaptureError(
      `screenshot sides are limited to ${MAX_SCREENSHOT_SIDE} px, got ${width}×${height}`,
    );
  const { renderer, scene, camera } = engine.viewport;
  const gl = renderer.getContext();
  const limit = Math.min(gl.getParameter(gl.MAX_RENDERBUFFER_SIZE) as number, 2048);
  const tw = Math.min(width, limit);
  const th = Math.min(height, limit);
  const target = new THREE.WebGLRenderTarget(tw, th, { depthBuffer: true });
  // The same colour conversion as the canvas gets.
  target.texture.colorSpace = renderer.outputColorSpace;
  const cam = camera.clone();
  cam.aspect = width / height;
  const out = new Uint8ClampedArray(width * height * 4);
  const tile = new Uint8Array(tw * th * 4);
  const prevTarget = renderer.getRenderTarget();
  try {
    for (let y0 = 0; y0 < height; y0 += th)
      for (let x0 = 0; x0 < width; x0 += tw) {
        const w = Math.min(tw, width - x0);
        const h = Math.min(th, height - y0);
        cam.setViewOffset(width, height, x0, y0, w, h);
        cam.updateProjectionMatrix();
        target.setSize(w, h);
        renderer.setRenderTarget(target);
        renderer.clear();
        renderer.render(scene, cam);
        renderer.readRenderTargetPixels(target, 0, 0, w, h, tile);
        // GL rows run bottom to top.
        for (let r = 0; r < h; r++) {
          const src = tile.subarray((h - 1 - r) * w * 4, (h - r) * w * 4);
          out.set(src, ((y0 + r) * width + x0) * 4);
        }
      }
  } finally {
    renderer.setRenderTarget(prevTarget);
    target.dispose();
    engine.viewport.requestFrame(true);
  }
  return out;
}

function drawColorbar(
  c: CanvasRenderingContext2D,
  engine: ViewerEngine,
  spec: ScaleSpec,
  W: number,
  H: number,
) {
  const s = Math.max(1, Math.min(W, H) / 700);
  const bw = 240 * s;
  const bh = 12 * s;
  const pad = 10 * s;
  const x = W - bw - 2 * pad - 10 * s;
  const y = H - 62 * s - 10 * s;
  const st = engine.state;
  const f = engine.field;
  c.fillStyle = "rgba(15, 18, 22, 0.82)";
  c.fillRect(x, y, bw + 2 * pad, 62 * s);
  c.font = `${11 * s}px system-ui, sans-serif`;
  c.fillStyle = "#d8dde4";
  c.textBaseline = "top";
  c.textAlign = "left";
  c.fillText(
    `${f.name}${f.units ? ` [${f.units}]` : ""}${st.scale !== "linear" ? ` · ${st.scale}` : ""}`,
    x + pad,
    y + 6 * s,
  );
  const by = y + 22 * s;
  for (let i = 0; i < bw; i++) {
    const [r, g, b] = colormapAt(st.colormap, i / (bw - 1), st.invert);
    c.fillStyle = `rgb(${r},${g},${b})`;
    c.fillRect(x + pad + i, by, 1.5, bh);
  }
  c.strokeStyle = "#aab3bf";
  c.strokeRect(x + pad, by, bw, bh);
  c.textAlign = "center";
  for (const v of scaleTicks(spec, 5)) {
    const p = windowPosition(v, spec);
    if (!(p >= -1e-9 && p <= 1 + 1e-9)) continue;
    const tx = x + pad + p * bw;
    c.fillStyle = "#d8dde4";
    c.fillRect(tx - 0.5 * s, by + bh, s, 4 * s);
    c.fillText(formatNumber(v), tx, by + bh + 6 * s);
  }
  if (!(effectiveWindow(spec)[1] > effectiveWindow(spec)[0])) return;
}

function drawLegend(c: CanvasRenderingContext2D, list: Material[], hidden: number[], W: number, H: number) {
  const s = Math.max(1, Math.min(W, H) / 700);
  const row = 18 * s;
  const shown = list.filter((m) => !hidden.includes(m.value));
  if (!shown.length) return;
  c.font = `${12 * s}px system-ui, sans-serif`;
  const w = Math.max(...shown.map((m) => c.measureText(m.name).width)) + 40 * s;
  const h = shown.length * row + 12 * s;
  const x = W - w - 10 * s;
  const y = H - h - 10 * s;
  c.fillStyle = "rgba(15, 18, 22, 0.82)";
  c.fillRect(x, y, w, h);
  c.textBaseline = "middle";
  c.textAlign = "left";
  shown.forEach((m, i) => {
    const cy = y + 6 * s + i * row + row / 2;
    c.fillStyle = `rgb(${m.color.join(",")})`;
    c.fillRect(x + 8 * s, cy - 7 * s, 14 * s, 14 * s);
    c.strokeStyle = "#e8e8e8";
    c.strokeRect(x + 8 * s, cy - 7 * s, 14 * s, 14 * s);
    c.fillStyle = "#d8dde4";
    c.fillText(m.name, x + 30 * s, cy);
  });
}

/** A PNG of the current view, width × height pixels, with the colour key unless `key` is false. */
export async function screenshotPng(
  engine: ViewerEngine,
  width: number,
  height: number,
  opts: { key?: boolean } = {},
): Promise<Blob> {
  const px = renderPixels(engine, width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const c = canvas.getContext("2d");
  if (!c) throw new CaptureError("no 2D canvas available for the screenshot");
  c.putImageData(new ImageData(px, width, height), 0, 0);
  if (opts.key !== false) {
    const spec = engine.field.kind === "scalar" ? scaleSpecOf(engine) : undefined;
    if (spec) drawColorbar(c, engine, spec, width, height);
    else if (engine.field.kind !== "scalar")
      drawLegend(c, materialList(engine), engine.state.hidden, width, height);
  }
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, "image/png"));
  if (!blob) throw new CaptureError(`the browser could not encode a ${width}×${height} PNG`);
  return blob;
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function captureName(engine: ViewerEngine, ext: string): string {
  const base = (engine.ds.url.split("/").pop() ?? "view").replace(/\.fvx$/i, "").replace(/[^\w.-]+/g, "_");
  return `${base}-${engine.field.name}-t${engine.state.t}.${ext}`;
}

/** The WebM codec this browser records (undefined: no MediaRecorder). */
export function movieMime(): string | undefined {
  if (typeof MediaRecorder === "undefined") return undefined;
  return ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((m) =>
    MediaRecorder.isTypeSupported(m),
  );
}

/**
 * Record playback: from timestep 0 to the last (no loop), then stop. The
 * returned handle stops early; `done` resolves with the WebM.
 */
export function recordMovie(
  engine: ViewerEngine,
  opts: { fps?: number; speed?: number } = {},
): { stop: () => void; done: Promise<Blob> } {
  const mime = movieMime();
  if (!mime) throw new CaptureError("this browser cannot record video (no MediaRecorder with WebM)");
  const canvas = engine.viewport.renderer.domElement;
  const stream = canvas.captureStream(opts.fps ?? 30);
  const rec = new MediaRecorder(stream, { mimeType: mime, videoBitsPerSecond: 8_000_000 });
  const chunks: Blob[] = [];
  rec.ondataavailable = (e) => {
    if (e.data.size) chunks.push(e.data);
  };
  const before = { ...engine.playback };
  let off = () => {};
  const done = new Promise<Blob>((resolve, reject) => {
    rec.onstop = () => {
      off();
      for (const t of stream.getTracks()) t.stop();
      engine.setPlayback({ loop: before.loop });
      resolve(new Blob(chunks, { type: "video/webm" }));
    };
    rec.onerror = () => reject(new CaptureError("recording failed"));
  });
  const stop = () => {
    if (rec.state !== "inactive") rec.stop();
  };
  engine.setPlayback({ playing: false });
  engine.setState({ t: 0 });
  rec.start(250);
  engine.setPlayback({
    loop: false,
    playing: true,
    direction: 1,
    ...(opts.speed ? { speed: opts.speed } : {}),
  });
  // Playback stops by itself at the last step; keep its last frame a moment, then stop.
  off = engine.subscribe(() => {
    if (!engine.playback.playing && rec.state === "recording") setTimeout(stop, 400);
  });
  return { stop, done };
}
