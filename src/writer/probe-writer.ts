/**
 * Writes the probe index (docs/FORMAT.md §16) while the packer streams:
 * level-0 bricks of each timestep are cut into C³ sub-chunks and spilled to
 * disk; when a group of timesteps is complete, each chunk's values over the
 * group are gathered from the spill (t-major), shuffled, compressed and
 * appended to the body in Morton order of the chunk grid. Memory: one chunk
 * (group × C³ values) plus the chunk references; disk: one group of level-0 steps.
 */
import { shuffle } from "../core/filters";
import { SectionKind } from "../format/constants";
import type { ExtraSection } from "../format/extra-section";
import { levelGeometry, mortonOrder } from "../format/grid";
import { linearBrick } from "../format/hierarchy";
import {
  encodeProbeSection,
  PROBE_ENTRY_SIZE,
  PROBE_MAX_GROUP,
  type ProbeChunkRef,
  probeChunkGrid,
} from "../format/probe";
import { xxhash32 } from "../format/xxhash32";
import { FlatvoxError } from "../shared/errors";
import { bytesPerValue, type Vec3 } from "../shared/types";
import type { DatasetSpec, ProbeOptions } from "./pack-types";
import { SpillFile } from "./spill";

export type { ProbeOptions };

/** Chunk references of all groups are held until the end: this bounds them. */
const MAX_INDEX_BYTES = 256 << 20;

export interface ProbeCollector {
  /** A level-0 brick of field `fi` at timestep `t` (raw little-endian values, x fastest). */
  brick(fi: number, t: number, b: Vec3, size: Vec3, bytes: Uint8Array): void;
  /** Timestep `t` is complete for every field: writes the group it ends, if any. */
  stepDone(t: number): void;
  /** The index section, once every timestep is done. */
  section(): ExtraSection;
  close(): void;
}

interface GroupRefs {
  t0: number;
  count: number;
  offset: Float64Array[];
  length: Uint32Array[];
  checksum: Uint32Array[];
}

export function probeGroupLength(T: number, opts: ProbeOptions): number {
  return Math.min(T - (opts.firstStep ?? 0), opts.group ?? 64);
}

/** Check probe options against the grid before any data is read. */
export function validateProbe(spec: DatasetSpec, B: number, opts: ProbeOptions): void {
  const C = opts.chunk ?? 16;
  if (!Number.isInteger(C) || C < 4 || C > B || (C & (C - 1)) !== 0)
    throw new FlatvoxError(
      "InputError",
      `probe chunk ${C} must be a power of two in 4..${B} (the brick size)`,
    );
  const G = opts.group ?? 64;
  if (!Number.isInteger(G) || G < 1 || G > PROBE_MAX_GROUP)
    throw new FlatvoxError("InputError", `probe group ${G} must be an integer in 1..${PROBE_MAX_GROUP}`);
  const g = probeChunkGrid(spec.dims, C);
  const n = g[0] * g[1] * g[2];
  const first = opts.firstStep ?? 0;
  if (!Number.isInteger(first) || first < 0 || first >= spec.times.length)
    throw new FlatvoxError("InputError", `probe first step ${first} outside 0..${spec.times.length - 1}`);
  const groups = Math.ceil((spec.times.length - first) / probeGroupLength(spec.times.length, opts));
  const bytes = n * spec.fields.length * groups * PROBE_ENTRY_SIZE;
  if (bytes > MAX_INDEX_BYTES)
    throw new FlatvoxError(
      "InputError",
      `the probe index would take ${(bytes / 2 ** 20).toFixed(0)} MiB (${n} chunks × ${spec.fields.length} fields × ${groups} groups); use a larger --probe-chunk or --probe-group, or pack without --probe`,
    );
}

export function createProbeCollector(
  spec: DatasetSpec,
  B: number,
  opts: ProbeOptions,
  spillDir: string,
  cz: (d: Uint8Array) => Uint8Array,
  append: (bytes: Uint8Array) => number,
): ProbeCollector {
  validateProbe(spec, B, opts);
  const C = opts.chunk ?? 16;
  const T = spec.times.length;
  const F = spec.fields.length;
  const G = probeGroupLength(T, opts);
  const dims = spec.dims;
  const geo0 = levelGeometry(dims, B)[0];
  const nb = geo0.bricks[0] * geo0.bricks[1] * geo0.bricks[2];
  const cgrid = probeChunkGrid(dims, C);
  const n = cgrid[0] * cgrid[1] * cgrid[2];
  const order = mortonOrder(cgrid);
  const bpvs = spec.fields.map((f) => bytesPerValue(f.dtype));
  const spill = new SpillFile(spillDir, "probe");
  // Spill offset of each (field, step in group, level-0 brick); -1 = missing.
  const at = spec.fields.map(() => new Float64Array(G * nb).fill(-1));
  const groups: GroupRefs[] = [];
  const firstStep = opts.firstStep ?? 0;
  let groupStart = firstStep;
  let staging = new Uint8Array(0);

  const flush = (t0: number, count: number) => {
    const g: GroupRefs = {
      t0,
      count,
      offset: spec.fields.map(() => new Float64Array(n)),
      length: spec.fields.map(() => new Uint32Array(n)),
      checksum: spec.fields.map(() => new Uint32Array(n)),
    };
    for (let fi = 0; fi < F; fi++) {
      const bpv = bpvs[fi];
      for (const c of order) {
        const min: Vec3 = [c[0] * C, c[1] * C, c[2] * C];
        const size: Vec3 = [
          Math.min(C, dims[0] - min[0]),
          Math.min(C, dims[1] - min[1]),
          Math.min(C, dims[2] - min[2]),
        ];
        const b: Vec3 = [Math.floor(min[0] / B), Math.floor(min[1] / B), Math.floor(min[2] / B)];
        const bi = linearBrick(geo0, b);
        // The brick's sub-chunks were spilled in linear order with clipped sizes.
        const bs: Vec3 = [
          Math.min(B, dims[0] - b[0] * B),
          Math.min(B, dims[1] - b[1] * B),
          Math.min(B, dims[2] - b[2] * B),
        ];
        const lx = min[0] - b[0] * B;
        const ly = min[1] - b[1] * B;
        const lz = min[2] - b[2] * B;
        const sub = bpv * (lz * bs[0] * bs[1] + size[2] * (ly * bs[0] + size[1] * lx));
        const csize = size[0] * size[1] * size[2] * bpv;
        const raw = new Uint8Array(count * csize);
        for (let tl = 0; tl < count; tl++) {
          const o = at[fi][tl * nb + bi];
          if (o < 0) throw new Error(`probe: brick ${b} of step ${t0 + tl} was not given`); // a bug, not input
          spill.readInto(o + sub, raw.subarray(tl * csize, (tl + 1) * csize));
        }
        const stored = cz(shuffle(raw, bpv));
        const ci = c[0] + cgrid[0] * (c[1] + cgrid[1] * c[2]);
        g.offset[fi][ci] = append(stored);
        g.length[fi][ci] = stored.length;
        g.checksum[fi][ci] = xxhash32(stored);
      }
    }
    groups.push(g);
    spill.reset();
    for (const a of at) a.fill(-1);
  };

  return {
    brick(fi, t, b, size, bytes) {
      if (t < firstStep) return;
      const bpv = bpvs[fi];
      if (staging.length < bytes.length) staging = new Uint8Array(bytes.length);
      let w = 0;
      const rowBytes = size[0] * bpv;
      for (let sz = 0; sz < size[2]; sz += C)
        for (let sy = 0; sy < size[1]; sy += C)
          for (let sx = 0; sx < size[0]; sx += C) {
            const ex = Math.min(C, size[0] - sx);
            const ey = Math.min(C, size[1] - sy);
            const ez = Math.min(C, size[2] - sz);
            for (let z = 0; z < ez; z++)
              for (let y = 0; y < ey; y++) {
                const src = ((sz + z) * size[1] + sy + y) * rowBytes + sx * bpv;
                staging.set(bytes.subarray(src, src + ex * bpv), w);
                w += ex * bpv;
              }
          }
      at[fi][(t - groupStart) * nb + linearBrick(geo0, b)] = spill.append(staging.subarray(0, w));
    },
    stepDone(t) {
      if (t < firstStep) return;
      if (t + 1 - groupStart === G || t === T - 1) {
        flush(groupStart, t + 1 - groupStart);
        groupStart = t + 1;
      }
    },
    section() {
      if (groupStart !== T) throw new Error("probe index requested before the last timestep"); // a bug
      const bytes = encodeProbeSection(
        C,
        F,
        n,
        groups.map((g) => ({
          t0: g.t0 - firstStep,
          count: g.count,
          ref: (f: number, c: number): ProbeChunkRef => ({
            offset: g.offset[f][c],
            length: g.length[f][c],
            checksum: g.checksum[f][c],
          }),
        })),
      );
      return { kind: SectionKind.PROBE_INDEX, bytes };
    },
    close() {
      spill.close();
    },
  };
}
