/**
 * How many contiguous byte runs (single-range requests without over-reading)
 * a region's bricks form under different brick orders within one timestep:
 * Morton (the packer's order, x in the lowest bit), a 3D Hilbert curve and
 * plain x-fastest row order. Pure counting on the brick grid, no I/O: the
 * reader does not depend on the order (every brick entry carries its own
 * offset), so this is a question for the writer.
 *
 * Cases on a 256³ grid of 64³ bricks (4³ bricks), as in
 * bench/region-vs-zarrita.ts: the centred 100³ box, every 100³ box at a
 * 6-voxel stride, every 2×2×2 brick window, the 32-deep slab, one brick.
 *
 * Usage: npx tsx bench/brick-order-runs.ts [--bricks 4] [--brick 64]
 * Prints JSON.
 */
import { argNumber, printJson } from "./lib/report";

type Order = (x: number, y: number, z: number) => number;

function morton(x: number, y: number, z: number): number {
  let m = 0;
  for (let b = 0; b < 10; b++) m += (((x >> b) & 1) + ((y >> b) & 1) * 2 + ((z >> b) & 1) * 4) * 8 ** b;
  return m;
}

/** Skilling's transpose algorithm ("Programming the Hilbert curve", 2004), `bits` per axis. */
function hilbert(bits: number): Order {
  return (x, y, z) => {
    const X = [x, y, z];
    for (let Q = 1 << (bits - 1); Q > 1; Q >>= 1) {
      const P = Q - 1;
      for (let i = 0; i < 3; i++) {
        if (X[i] & Q) X[0] ^= P;
        else {
          const t = (X[0] ^ X[i]) & P;
          X[0] ^= t;
          X[i] ^= t;
        }
      }
    }
    for (let i = 1; i < 3; i++) X[i] ^= X[i - 1];
    let t = 0;
    for (let Q = 1 << (bits - 1); Q > 1; Q >>= 1) if (X[2] & Q) t ^= Q - 1;
    for (let i = 0; i < 3; i++) X[i] ^= t;
    let h = 0;
    for (let b = bits - 1; b >= 0; b--) for (let i = 0; i < 3; i++) h = h * 2 + ((X[i] >> b) & 1);
    return h;
  };
}

function main() {
  const n = argNumber("bricks", 4);
  const B = argNumber("brick", 64);
  const bits = Math.ceil(Math.log2(n));
  const orders: Record<string, Order> = {
    morton,
    hilbert: hilbert(Math.max(1, bits)),
    row: (x, y, z) => x + n * (y + n * z),
  };
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(orders)) {
    const all: [number, number, number, number][] = [];
    for (let z = 0; z < n; z++)
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) all.push([key(x, y, z), x, y, z]);
    all.sort((a, b) => a[0] - b[0]);
    const rank = new Map(all.map((a, i) => [`${a[1]},${a[2]},${a[3]}`, i]));
    /** Runs of the bricks overlapping voxel box [lo, hi). */
    const runs = (lo: number[], hi: number[]): number => {
      const r: number[] = [];
      const b0 = lo.map((v) => Math.floor(v / B));
      const b1 = hi.map((v) => Math.floor((v - 1) / B));
      for (let z = b0[2]; z <= b1[2]; z++)
        for (let y = b0[1]; y <= b1[1]; y++)
          for (let x = b0[0]; x <= b1[0]; x++) r.push(rank.get(`${x},${y},${z}`) as number);
      r.sort((a, b) => a - b);
      let c = 1;
      for (let i = 1; i < r.length; i++) if (r[i] !== r[i - 1] + 1) c++;
      return c;
    };
    const N = n * B;
    const c = N >> 1;
    const stats = (xs: number[]) => ({
      mean: Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)),
      max: Math.max(...xs),
    });
    const boxes100: number[] = [];
    for (let oz = 0; oz + 100 <= N; oz += 6)
      for (let oy = 0; oy + 100 <= N; oy += 6)
        for (let ox = 0; ox + 100 <= N; ox += 6)
          boxes100.push(runs([ox, oy, oz], [ox + 100, oy + 100, oz + 100]));
    const windows: number[] = [];
    for (let z = 0; z + 1 < n; z++)
      for (let y = 0; y + 1 < n; y++)
        for (let x = 0; x + 1 < n; x++)
          windows.push(runs([x * B, y * B, z * B], [(x + 2) * B, (y + 2) * B, (z + 2) * B]));
    out[name] = {
      centred100: runs([c - 50, c - 50, c - 50], [c + 50, c + 50, c + 50]),
      every100: stats(boxes100),
      every2x2x2Window: stats(windows),
      slab32: runs([0, 0, c - 16], [N, N, c + 16]),
      aligned64: runs([0, 0, 0], [B, B, B]),
    };
  }
  printJson({ bench: "brick-order-runs", grid: `${n * B}³`, brick: B, ...out });
}

main();
