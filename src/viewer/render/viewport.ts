/**
 * Renderer, camera, orbit controls and the on-demand frame loop: a frame is
 * drawn only when something asked for one (camera moved, data arrived, state
 * changed, playback), never continuously while idle.
 */
import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import type { Vec3 } from "../../shared/types";
import { mark } from "../app/marks";
import { FrameRequests } from "./frame-requests";

export const BACKGROUND = 0x14171c;

export interface Snapshot {
  width: number;
  height: number;
  /** Fraction of pixels that differ from the background. */
  coverage: number;
  mean: [number, number, number];
  /** Exact pixels (every 16th): equal only for bit-identical frames. */
  hash: string;
  /**
   * Mean RGB of each cell of a TILES×TILES grid, row-major from the bottom
   * left. The same data drawn from a different atlas layout may differ by one
   * level in single pixels (texture coordinates round differently per slot);
   * tile means compare such frames with a tolerance that still sees a coarser
   * brick or a missing region.
   */
  tiles: number[];
}

export const SNAPSHOT_TILES = 16;

export class Viewport {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera: THREE.PerspectiveCamera;
  readonly controls: OrbitControls;
  interacting = false;
  frames = 0;
  /** Wall time of the last frame including GPU completion. */
  lastFrameMs = 0;
  /**
   * Resolution scale (drawing buffer / CSS pixels), adapted so a frame costs
   * about `targetMs`: software GL (SwiftShader) is slow per pixel.
   */
  // Start low: the first frames come while data streams in, and software GL
  // pays per pixel; fast GPUs climb to full resolution within a few frames.
  resolution = 0.25;
  minResolution = 0.25;
  maxResolution = 1;
  private readonly frameTimes: number[] = [];
  private readonly resizeObserver: ResizeObserver;
  /** Before each frame; `drawing` is false while shaders still compile (no pixels this time). */
  onFrame: (drawing: boolean) => void = () => {};
  /** After the frame reached the screen (GPU done). */
  onAfterFrame: () => void = () => {};
  onCameraChange: () => void = () => {};

  constructor(readonly container: HTMLElement) {
    const vp = this;
    this.requests = new FrameRequests({
      draw: () => this.draw(),
      get gpuBusy() {
        return vp.inFlight !== undefined;
      },
      get interacting() {
        return vp.interacting;
      },
      get quick() {
        return vp.quick;
      },
      get lastFrameMs() {
        return vp.lastFrameMs;
      },
      get lastDrawEnd() {
        return vp.lastDrawEnd;
      },
      get expectedMs() {
        return vp.adaptiveMs;
      },
    });
    this.renderer = new THREE.WebGLRenderer({
      antialias: false,
      alpha: false,
      powerPreference: "high-performance",
    });
    this.renderer.setClearColor(BACKGROUND, 1);
    this.renderer.localClippingEnabled = true;
    this.maxResolution = Math.min(window.devicePixelRatio || 1, 1.5);
    this.renderer.setPixelRatio(this.resolution);
    this.renderer.domElement.dataset.testid = "viewer-canvas";
    container.appendChild(this.renderer.domElement);
    this.camera = new THREE.PerspectiveCamera(40, 1, 0.01, 1000);
    this.camera.up.set(0, 0, 1);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.controls.addEventListener("change", () => {
      this.onCameraChange();
      this.requestFrame(true);
    });
    this.controls.addEventListener("start", () => {
      this.interacting = true;
    });
    this.controls.addEventListener("end", () => {
      this.interacting = false;
      this.requestFrame();
    });
    this.scene.add(new THREE.AmbientLight(0xffffff, 0.55));
    const head = new THREE.DirectionalLight(0xffffff, 1.6);
    this.camera.add(head);
    head.position.set(0.3, 0.5, 1);
    this.scene.add(this.camera);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    // Nothing is on the canvas yet: size it now, so the camera's aspect is right for the first fit.
    this.applyBuffer(this.resolution);
  }

  /**
   * The container changed size. Resizing the drawing buffer clears it, so the
   * new size is applied by the next draw, right before it renders: the old
   * frame stays on screen (stretched) until the new one replaces it.
   */
  resize(): void {
    this.sizeDirty = true;
    this.requestFrame(true);
  }

  private sizeDirty = true;

  /** Apply a pending size or pixel ratio; only ever called right before rendering (either clears the canvas). */
  private applyBuffer(ratio: number): void {
    if (this.sizeDirty) {
      this.sizeDirty = false;
      const w = Math.max(1, this.container.clientWidth);
      const h = Math.max(1, this.container.clientHeight);
      this.renderer.setPixelRatio(ratio);
      this.renderer.setSize(w, h, true);
      this.camera.aspect = w / h;
      this.camera.updateProjectionMatrix();
    } else if (this.renderer.getPixelRatio() !== ratio) {
      this.renderer.setPixelRatio(ratio);
    }
  }

  /** Drawing-buffer pixels per CSS pixel of the next frame. */
  private ratioFor(quick: boolean): number {
    if (quick && this.quickRatio !== undefined) return this.quickRatio;
    if (this.fixed) return this.resolution;
    return this.resting ? this.maxResolution : this.resolution;
  }

  /** Viewport height in CSS pixels (the unit of screen-space error). */
  get heightPx(): number {
    return this.renderer.domElement.clientHeight || 1;
  }

  /**
   * Frame the box [min, max] (world units) from the default viewing
   * direction: the closest distance at which all eight corners fall inside
   * both the vertical and the horizontal field of view, so a slab or a long
   * bar fits a tall or a wide canvas alike.
   */
  fit(min: Vec3, max: Vec3): void {
    const center = min.map((v, i) => (v + max[i]) / 2) as Vec3;
    const dir = new THREE.Vector3(1.1, -1.5, 0.9).normalize();
    const distance = fitDistance(min, max, dir, this.camera.up, this.camera.fov, this.camera.aspect, 1.06);
    this.controls.target.set(...center);
    this.camera.position.set(...center).addScaledVector(dir, distance);
    this.setClip(Math.hypot(...max.map((v, i) => v - min[i])) / 2);
    this.controls.update();
  }

  setClip(radius: number): void {
    this.camera.near = radius / 500;
    this.camera.far = radius * 50;
    this.camera.updateProjectionMatrix();
  }

  /**
   * Ask for a frame. Frames caused by arriving data leave the main thread at
   * least as long idle as the last frame took (slow software GL must not
   * starve networking and decoding); `urgent` frames (user input, time steps)
   * do not wait. See frame-requests.ts.
   */
  requestFrame(urgent = false): void {
    this.requests.request(urgent);
  }

  /**
   * When the next urgent frame is due (playback: the next step), if any: until
   * then only frames expected to be on screen by that time are drawn, so the
   * GPU is free when the step comes. The urgent frame itself is asked for by
   * whoever set the deadline.
   */
  get deadline(): number | undefined {
    return this.requests.deadline;
  }

  set deadline(at: number | undefined) {
    this.requests.deadline = at;
  }

  private readonly requests: FrameRequests;

  /**
   * Compile the scene's shaders without blocking the page (KHR_parallel_shader_compile):
   * until they are ready, frames only run `onFrame(false)` (LOD, requests, uploads) and
   * draw nothing, so data streams in while the GPU compiles. Software GL needs
   * several hundred ms for the ray-marching shader.
   */
  warmUp(): void {
    if (this.warming) return;
    const done = () => {
      this.warming = undefined;
      mark("shaders-ready");
      this.requestFrame();
    };
    this.warming = this.renderer.compileAsync(this.scene, this.camera).then(done, done);
  }

  private warming?: Promise<void>;

  /**
   * Draw a frame. Frames are submitted without waiting for the GPU: a fence
   * tells when one is done (polled, never waited on), so the page keeps
   * fetching, decoding and answering input while software GL renders. While
   * a frame is still on the GPU (or shaders compile) a new one only runs
   * `onFrame(false)` and asks again. `sync` (snapshots, benchmarks) draws now
   * and waits for the pixels.
   */
  draw(sync = false): void {
    if (!sync && (this.warming || this.inFlight)) {
      this.onFrame(false);
      return;
    }
    const t0 = performance.now();
    this.requests.preparingFrame(() => this.onFrame(true));
    if (this.frames === 0) mark("first-draw-start");
    const quick = this.quick;
    const ratio = this.ratioFor(quick);
    // A frame drawn above the adaptive resolution (at rest) says nothing about the interactive cost.
    const measured = !quick && ratio === this.resolution;
    this.applyBuffer(ratio);
    this.renderer.render(this.scene, this.camera);
    this.frames++;
    const gl = this.renderer.getContext() as WebGL2RenderingContext;
    if (sync) {
      // Reading one pixel waits for the GPU: everything submitted so far is done.
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, this.probe);
      if (this.inFlight?.fence) gl.deleteSync(this.inFlight.fence);
      this.inFlight = undefined;
      this.frameDone(t0, measured);
    } else {
      const fence =
        typeof gl.fenceSync === "function" ? gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0) : null;
      gl.flush();
      this.inFlight = { fence, t0, measured };
      this.pollGpu();
    }
    if (this.quick) {
      // The sharper frame follows; its buffer size is set right before it renders.
      this.quick = false;
      this.quickRatio = undefined;
      this.requestFrame();
    }
  }

  /** The frame on the GPU: its fence (null without WebGL2 fences), start time, and whether it was a quick one. */
  private inFlight?: { fence: WebGLSync | null; t0: number; measured: boolean };

  private readonly pollGpu = (): void => {
    const f = this.inFlight;
    if (!f) return;
    const gl = this.renderer.getContext() as WebGL2RenderingContext;
    if (f.fence) {
      if (gl.clientWaitSync(f.fence, 0, 0) === gl.TIMEOUT_EXPIRED) {
        setTimeout(this.pollGpu, 4);
        return;
      }
      gl.deleteSync(f.fence);
    } else {
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, this.probe);
    }
    this.inFlight = undefined;
    this.frameDone(f.t0, f.measured);
  };

  /** A frame reached the screen: its cost (with GPU time), the listeners, the resolution. */
  private frameDone(t0: number, measured: boolean): void {
    const now = performance.now();
    this.lastFrameMs = now - t0;
    this.lastDrawEnd = now;
    if (measured) this.adaptiveMs = this.lastFrameMs;
    if (this.frames === 1) mark("first-draw-end");
    this.onAfterFrame();
    if (measured) this.adapt();
    this.frameTimes.push(now);
    while (this.frameTimes.length && now - this.frameTimes[0] > 1000) this.frameTimes.shift();
    this.requests.frameDone();
  }

  private readonly probe = new Uint8Array(4);
  private lastDrawEnd = 0;

  /** Fix the resolution scale (tests, screenshots); undefined resumes adapting. */
  fixResolution(r: number | undefined): void {
    this.fixed = r !== undefined;
    if (r !== undefined) this.resolution = r;
    this.requestFrame();
  }

  private fixed = false;
  /** Cost of the last frame drawn at the adaptive resolution. */
  private adaptiveMs = 0;
  /** Resolution of the pending quick frame. */
  private quickRatio?: number;
  /**
   * The view is settled (everything loaded, nothing moving): frames are drawn
   * at full resolution whatever they cost, so the still image is sharp.
   * Set by the engine before each frame.
   */
  resting = false;

  /** Whether the frame on screen is at the resolution a resting view gets. */
  get sharp(): boolean {
    return this.fixed || this.renderer.getPixelRatio() === this.maxResolution;
  }
  /** The next frame is a quick one (layers may also cut their own cost, e.g. fewer ray steps). */
  quick = false;

  /**
   * Draw the next frame at a resolution that costs about an interactive
   * frame (when the last one was slower), then go back to the current
   * resolution: a time step shows quickly and sharpens a frame later.
   */
  quickFrame(): void {
    const target = 50;
    this.quick = true;
    this.quickRatio = undefined;
    const ms = this.adaptiveMs;
    if (this.fixed || ms <= target * 1.2) return;
    // One frame only, so it may go below the adaptive floor.
    const r = Math.max(this.minResolution / 2, this.resolution * Math.sqrt(target / ms));
    if (r < this.resolution) this.quickRatio = r;
  }

  private adapt(): void {
    if (this.fixed) return;
    const target = this.interacting ? 50 : 120;
    const ms = this.adaptiveMs;
    let r = this.resolution;
    if (ms > target * 1.4 && r > this.minResolution)
      r = Math.max(this.minResolution, r * Math.max(0.5, Math.sqrt(target / ms)));
    else if (ms < target * 0.4 && r < this.maxResolution && !this.interacting)
      r = Math.min(this.maxResolution, r * 1.25);
    if (r !== this.resolution) {
      this.resolution = r;
      this.requestFrame();
    }
  }

  /** Frames drawn during the last second. */
  get fps(): number {
    const now = performance.now();
    return this.frameTimes.filter((t) => now - t <= 1000).length;
  }

  snapshot(): Snapshot {
    const gl = this.renderer.getContext();
    // The background as this renderer writes it (after colour management).
    this.renderer.setRenderTarget(null);
    this.renderer.clear();
    const bgPx = new Uint8Array(4);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, bgPx);
    this.draw(true);
    const w = gl.drawingBufferWidth;
    const h = gl.drawingBufferHeight;
    const px = new Uint8Array(w * h * 4);
    gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
    const [br, bgG, bb] = bgPx;
    let covered = 0;
    const sum = [0, 0, 0];
    let hash = 0x811c9dc5;
    const T = SNAPSHOT_TILES;
    const tileSum = new Float64Array(T * T * 3);
    const tileCount = new Uint32Array(T * T);
    for (let i = 0; i < px.length; i += 4) {
      const r = px[i];
      const g = px[i + 1];
      const b = px[i + 2];
      if (Math.abs(r - br) > 6 || Math.abs(g - bgG) > 6 || Math.abs(b - bb) > 6) covered++;
      sum[0] += r;
      sum[1] += g;
      sum[2] += b;
      if ((i & 63) === 0) hash = Math.imul(hash ^ (r | (g << 8) | (b << 16)), 16777619) >>> 0;
      const p = i >> 2;
      const tile = Math.floor((Math.floor(p / w) * T) / h) * T + Math.floor(((p % w) * T) / w);
      tileSum[tile * 3] += r;
      tileSum[tile * 3 + 1] += g;
      tileSum[tile * 3 + 2] += b;
      tileCount[tile]++;
    }
    const tiles = Array.from(tileSum, (v, k) => v / Math.max(1, tileCount[Math.floor(k / 3)]));
    const n = w * h;
    return {
      width: w,
      height: h,
      coverage: covered / n,
      mean: [sum[0] / n, sum[1] / n, sum[2] / n],
      hash: hash.toString(16),
      tiles,
    };
  }

  dispose(): void {
    this.requests.dispose();
    this.resizeObserver.disconnect();
    this.controls.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }
}

/**
 * Camera distance from the box centre along `dir` at which every corner of
 * [min, max] lies inside the frustum (vertical fov in degrees, aspect w/h),
 * with the half-angles' tangents shrunk by `margin`.
 */
export function fitDistance(
  min: Vec3,
  max: Vec3,
  dir: THREE.Vector3,
  up: THREE.Vector3,
  fovDeg: number,
  aspect: number,
  margin = 1,
): number {
  const c = new THREE.Vector3(...min.map((v, i) => (v + max[i]) / 2));
  const forward = dir.clone().normalize().negate();
  const right = new THREE.Vector3().crossVectors(forward, up).normalize();
  const camUp = new THREE.Vector3().crossVectors(right, forward);
  const tanV = Math.tan(THREE.MathUtils.degToRad(fovDeg) / 2) / margin;
  const tanH = tanV * aspect;
  let d = 0;
  const p = new THREE.Vector3();
  for (let k = 0; k < 8; k++) {
    p.set(k & 1 ? max[0] : min[0], k & 2 ? max[1] : min[1], k & 4 ? max[2] : min[2]).sub(c);
    // Depth of the corner in front of a camera at distance d: d + p·forward.
    const towards = p.dot(forward);
    d = Math.max(d, Math.abs(p.dot(right)) / tanH - towards, Math.abs(p.dot(camUp)) / tanV - towards);
  }
  return d;
}
