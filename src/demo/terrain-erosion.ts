/**
 * A small landscape-evolution model on a heightmap (z up, heights in voxels):
 *
 * - drainage by priority-flood (outlets on the domain edge): every cell drains
 *   to its steepest neighbour on the depression-filled surface, so water runs
 *   through lakes instead of stopping in pits; the fill level is the lake surface;
 * - fluvial incision by the stream-power law dh/dt = −K A^m S, integrated
 *   implicitly along the drainage tree (unconditionally stable);
 * - the eroded material is carried downstream and settles where the flow
 *   enters still water (lakes, the sea): deltas and lake fill;
 * - hillslope creep as linear diffusion of height.
 *
 * Changes concentrate along channels and shorelines, so a voxelised landscape
 * changes sparsely from one saved step to the next.
 */

export interface ErosionParams {
  /** Stream-power coefficient (per iteration, A in cells). */
  K: number;
  /** Drainage-area exponent. */
  m: number;
  /** Hillslope diffusivity (voxels² per iteration). */
  creep: number;
  /** Fraction of the available water depth sediment may fill per iteration. */
  settle: number;
  /** Drainage area (cells) where channels begin; smaller catchments only creep. */
  channelArea: number;
}

export const EROSION_DEFAULTS: ErosionParams = { K: 0.02, m: 0.5, creep: 0.01, settle: 0.5, channelArea: 12 };

const NEIGHBOURS = [
  [-1, -1],
  [0, -1],
  [1, -1],
  [-1, 0],
  [1, 0],
  [-1, 1],
  [0, 1],
  [1, 1],
] as const;

export class Landscape {
  readonly n: number;
  /** Current surface height of each column. */
  readonly h: Float64Array;
  /** Lowest the surface has ever been: material above it (below h) is sediment. */
  readonly bedrock: Float64Array;
  /** Depression-filled surface (lake level where above h), from the latest routing. */
  readonly filled: Float64Array;
  /** Drainage area in cells, from the latest routing. */
  readonly area: Float64Array;
  private readonly recv: Int32Array;
  private readonly order: Int32Array;
  private readonly dist: Float64Array;
  private readonly heap: Int32Array;
  private readonly closed: Uint8Array;
  private readonly sed: Float64Array;
  private readonly tmp: Float64Array;

  constructor(
    readonly nx: number,
    readonly ny: number,
    initial: Float64Array,
    readonly p: ErosionParams = EROSION_DEFAULTS,
  ) {
    this.n = nx * ny;
    this.h = initial.slice();
    this.bedrock = initial.slice();
    this.filled = new Float64Array(this.n);
    this.area = new Float64Array(this.n);
    this.recv = new Int32Array(this.n);
    this.order = new Int32Array(this.n);
    this.dist = new Float64Array(this.n);
    this.heap = new Int32Array(this.n);
    this.closed = new Uint8Array(this.n);
    this.sed = new Float64Array(this.n);
    this.tmp = new Float64Array(this.n);
    this.route();
  }

  /**
   * Priority-flood from the edges (Barnes et al. 2014, ε variant). Pop order is
   * ascending in filled height, so it lists receivers before their donors.
   */
  route(): void {
    const { nx, ny, n, h, filled, closed, heap, order, recv, dist, area } = this;
    closed.fill(0);
    let size = 0;
    const push = (i: number) => {
      let k = size++;
      while (k > 0) {
        const parent = (k - 1) >> 1;
        if (filled[heap[parent]] <= filled[i]) break;
        heap[k] = heap[parent];
        k = parent;
      }
      heap[k] = i;
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap[--size];
      let k = 0;
      for (;;) {
        let c = 2 * k + 1;
        if (c >= size) break;
        if (c + 1 < size && filled[heap[c + 1]] < filled[heap[c]]) c++;
        if (filled[heap[c]] >= filled[last]) break;
        heap[k] = heap[c];
        k = c;
      }
      heap[k] = last;
      return top;
    };
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        if (x > 0 && y > 0 && x < nx - 1 && y < ny - 1) continue;
        const i = x + nx * y;
        filled[i] = h[i];
        closed[i] = 1;
        push(i);
      }
    }
    let count = 0;
    while (size > 0) {
      const c = pop();
      order[count++] = c;
      const cx = c % nx;
      const cy = (c - cx) / nx;
      for (const [dx, dy] of NEIGHBOURS) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= nx || y >= ny) continue;
        const j = x + nx * y;
        if (closed[j]) continue;
        closed[j] = 1;
        filled[j] = Math.max(h[j], filled[c] + 1e-6);
        push(j);
      }
    }
    // Steepest descent on the filled surface; edge cells are outlets.
    for (let i = 0; i < n; i++) {
      const cx = i % nx;
      const cy = (i - cx) / nx;
      recv[i] = -1;
      if (cx === 0 || cy === 0 || cx === nx - 1 || cy === ny - 1) continue;
      let best = 0;
      for (const [dx, dy] of NEIGHBOURS) {
        const j = cx + dx + nx * (cy + dy);
        const d = dx !== 0 && dy !== 0 ? Math.SQRT2 : 1;
        const s = (filled[i] - filled[j]) / d;
        if (s > best) {
          best = s;
          recv[i] = j;
          dist[i] = d;
        }
      }
    }
    area.fill(1);
    for (let k = n - 1; k >= 0; k--) {
      const i = order[k];
      if (recv[i] >= 0) area[recv[i]] += area[i];
    }
  }

  /** Water surface height over a column (sea, lake), or −∞ when dry. */
  waterLevel(i: number, sea: number): number {
    const lake = this.filled[i] - this.h[i] > 0.25 ? this.filled[i] : Number.NEGATIVE_INFINITY;
    return Math.max(lake, sea);
  }

  /** One erosion iteration with the sea at height `sea`. */
  step(sea: number): void {
    const { nx, ny, n, h, recv, order, dist, area, sed, tmp, bedrock } = this;
    const { K, m, creep, settle, channelArea } = this.p;
    this.route();
    // Incision, receivers first (implicit in h).
    sed.fill(0);
    for (let k = 0; k < n; k++) {
      const i = order[k];
      const r = recv[i];
      if (r < 0 || area[i] < channelArea || this.waterLevel(i, sea) > h[i] || h[r] >= h[i]) continue;
      const f = (K * area[i] ** m) / dist[i];
      const hn = (h[i] + f * h[r]) / (1 + f);
      sed[i] = h[i] - hn;
      h[i] = hn;
    }
    // Transport, donors first: load settles where the flow meets still water.
    for (let k = n - 1; k >= 0; k--) {
      const i = order[k];
      const w = this.waterLevel(i, sea);
      if (w > h[i] && sed[i] > 0) {
        const d = Math.min(sed[i], settle * (w - h[i]));
        h[i] += d;
        sed[i] -= d;
      }
      const r = recv[i];
      if (r >= 0) sed[r] += sed[i];
    }
    // Hillslope creep (zero-flux edges).
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const i = x + nx * y;
        const c = h[i];
        const l =
          (x > 0 ? h[i - 1] : c) +
          (x < nx - 1 ? h[i + 1] : c) +
          (y > 0 ? h[i - nx] : c) +
          (y < ny - 1 ? h[i + nx] : c);
        tmp[i] = c + creep * (l - 4 * c);
      }
    }
    for (let i = 0; i < n; i++) {
      h[i] = tmp[i];
      if (h[i] < bedrock[i]) bedrock[i] = h[i];
    }
    this.route();
  }
}
