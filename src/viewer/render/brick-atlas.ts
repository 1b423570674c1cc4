/**
 * One R16F Data3DTexture holding many bricks (slots of B³ texels), sized from a
 * GPU byte budget and capped per axis (GPUs commonly stop at 2048; beyond the
 * cap a texture silently renders black). Slots are keyed by brick content, so
 * a brick unchanged between timesteps is uploaded once. Eviction is LRU over
 * slots not pinned by the current frame.
 */
import * as THREE from "three";
import { normalizeToHalf } from "../../core/convert-js";
import { type BrickPayload, brickValues } from "../data/viewer-types";
import { onMain } from "../stream/brick-cost";

export interface AtlasLayout {
  slots: [number, number, number];
  texels: [number, number, number];
  bytes: number;
}

const BYTES_PER_TEXEL = 2;

/** Slot grid for a budget: as cubic as possible, each axis ≤ maxTexels. */
export function planAtlas(brickSize: number, budgetBytes: number, maxTexels = 2048): AtlasLayout {
  const slotBytes = brickSize ** 3 * BYTES_PER_TEXEL;
  const perAxis = Math.max(1, Math.floor(maxTexels / brickSize));
  const total = Math.max(1, Math.min(perAxis ** 3, Math.floor(budgetBytes / slotBytes)));
  const s: [number, number, number] = [1, 1, 1];
  // Grow the smallest axis while the product fits.
  for (;;) {
    let grew = false;
    for (let a = 0; a < 3; a++) {
      const i = [0, 1, 2].sort((p, q) => s[p] - s[q])[a];
      const next = [...s] as [number, number, number];
      next[i]++;
      if (next[i] <= perAxis && next[0] * next[1] * next[2] <= total) {
        s[i] = next[i];
        grew = true;
        break;
      }
    }
    if (!grew) break;
  }
  const texels: [number, number, number] = [s[0] * brickSize, s[1] * brickSize, s[2] * brickSize];
  return { slots: s, texels, bytes: texels[0] * texels[1] * texels[2] * BYTES_PER_TEXEL };
}

export class BrickAtlas {
  readonly texture: THREE.Data3DTexture;
  readonly layout: AtlasLayout;
  readonly capacity: number;
  uploads = 0;
  private readonly byKey = new Map<string, number>(); // insertion order = LRU
  private readonly free: number[] = [];
  private readonly scratch: Uint16Array;

  constructor(
    private readonly renderer: THREE.WebGLRenderer,
    readonly brickSize: number,
    budgetBytes: number,
  ) {
    const gl = renderer.getContext() as WebGL2RenderingContext;
    const max = Math.min(2048, gl.getParameter(gl.MAX_3D_TEXTURE_SIZE) as number);
    this.layout = planAtlas(brickSize, budgetBytes, max);
    const [sx, sy, sz] = this.layout.slots;
    this.capacity = sx * sy * sz;
    for (let i = this.capacity - 1; i >= 0; i--) this.free.push(i);
    const [w, h, d] = this.layout.texels;
    const tex = new THREE.Data3DTexture(null, w, h, d);
    tex.format = THREE.RedFormat;
    tex.type = THREE.HalfFloatType;
    tex.internalFormat = "R16F";
    tex.minFilter = THREE.LinearFilter;
    tex.magFilter = THREE.LinearFilter;
    tex.unpackAlignment = 1;
    tex.generateMipmaps = false;
    // Allocate only; bricks arrive through texSubImage3D below.
    tex.source.dataReady = false;
    tex.needsUpdate = true;
    this.texture = tex;
    renderer.initTexture(tex);
    this.scratch = new Uint16Array(brickSize ** 3);
  }

  get used(): number {
    return this.byKey.size;
  }

  /** Texel origin of a slot. */
  slotOrigin(slot: number): [number, number, number] {
    const [sx, sy] = this.layout.slots;
    const B = this.brickSize;
    return [(slot % sx) * B, (Math.floor(slot / sx) % sy) * B, Math.floor(slot / (sx * sy)) * B];
  }

  /** Resident, without touching the LRU order. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  lookup(key: string): number | undefined {
    const s = this.byKey.get(key);
    if (s !== undefined) {
      this.byKey.delete(key);
      this.byKey.set(key, s);
    }
    return s;
  }

  /**
   * Slot for `key`, uploading `payload` (normalized to (v - lo) × scale) when it is not
   * resident. Returns undefined when every slot is pinned.
   */
  ensure(
    key: string,
    payload: BrickPayload,
    lo: number,
    scale: number,
    pinned: Set<string>,
  ): number | undefined {
    const have = this.lookup(key);
    if (have !== undefined) return have;
    let slot = this.free.pop();
    if (slot === undefined) {
      for (const [k, s] of this.byKey) {
        if (pinned.has(k)) continue;
        this.byKey.delete(k);
        slot = s;
        break;
      }
    }
    if (slot === undefined) return undefined;
    this.upload(slot, payload, lo, scale);
    this.byKey.set(key, slot);
    return slot;
  }

  /** Drop every slot (field change: the normalization differs). */
  clear(): void {
    this.byKey.clear();
    this.free.length = 0;
    for (let i = this.capacity - 1; i >= 0; i--) this.free.push(i);
  }

  private upload(slot: number, p: BrickPayload, lo: number, scale: number): void {
    onMain(() => this.uploadNow(slot, p, lo, scale));
  }

  private uploadNow(slot: number, p: BrickPayload, lo: number, scale: number): void {
    const [w, h, d] = p.dims;
    const n = w * h * d;
    // Prepared where the brick was decoded, for this normalization: upload as is.
    const half =
      p.ready && p.ready.lo === lo && p.ready.scale === scale && p.ready.half.length === n
        ? p.ready.half
        : normalizeToHalf(brickValues(p).subarray(0, n), lo, scale, this.scratch);
    const gl = this.renderer.getContext() as WebGL2RenderingContext;
    const glTex = (this.renderer.properties.get(this.texture) as { __webglTexture: WebGLTexture })
      .__webglTexture;
    const o = this.slotOrigin(slot);
    this.renderer.state.activeTexture(gl.TEXTURE0);
    this.renderer.state.bindTexture(gl.TEXTURE_3D, glTex);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.texSubImage3D(gl.TEXTURE_3D, 0, o[0], o[1], o[2], w, h, d, gl.RED, gl.HALF_FLOAT, half, 0);
    this.uploads++;
  }

  dispose(): void {
    this.texture.dispose();
  }
}
