/**
 * Sharded packing: part I of N packs one contiguous range of timesteps into
 * an ordinary .fvx of that range, plus a small private "part" section that
 * lets `mergeParts` check the set and rebuild the whole dataset
 * (src/writer/merge.ts, docs/SCALE.md).
 */
import type { PackFeatureOptions } from "../index/pack-features";
import { FlatvoxError } from "../shared/errors";
import type { DatasetSpec, PackOptions, TimestepData, TimestepSource } from "./pack-types";
import { type PackReport, packDataset } from "./packer";

/** Private section kind holding the part's JSON description (always optional: plain readers skip it). */
export const PART_SECTION_KIND = 0x8f01;

export interface PartInfo {
  /** This part's index, 0-based. */
  part: number;
  /** Number of parts of the dataset. */
  parts: number;
  /** Global index of the part's first timestep. */
  t0: number;
  /** Timesteps of the whole dataset. */
  timeCount: number;
  /** Feature extraction the whole dataset asks for; merge runs it (tracks cross part boundaries). */
  features?: PackFeatureOptions;
}

/** Parse "I/N" (0 ≤ I < N). */
export function parsePart(text: string): { part: number; parts: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const part = m ? Number(m[1]) : Number.NaN;
  const parts = m ? Number(m[2]) : Number.NaN;
  if (!m || parts < 1 || part >= parts)
    throw new FlatvoxError("InputError", `--part: expected I/N with 0 ≤ I < N, got '${text}'`);
  return { part, parts };
}

/** Timesteps [t0, t1) of part I of N: contiguous, sizes differ by at most one, earlier parts larger. */
export function partRange(T: number, part: number, parts: number): [number, number] {
  if (parts > T)
    throw new FlatvoxError("InputError", `${parts} parts for ${T} timesteps: each part needs at least one`);
  const base = Math.floor(T / parts);
  const extra = T % parts;
  const t0 = part * base + Math.min(part, extra);
  return [t0, t0 + base + (part < extra ? 1 : 0)];
}

/** The steps of [t0, t1), re-indexed from 0; skipped steps' slab readers are closed unread. */
export async function* selectSteps(
  steps: TimestepSource,
  t0: number,
  t1: number,
): AsyncIterable<TimestepData> {
  let t = 0;
  for await (const step of steps as AsyncIterable<TimestepData>) {
    if (t >= t0 && t < t1) yield { ...step, index: t - t0 };
    else {
      for (const v of Object.values(step.fields)) {
        if (typeof (v as { close?: unknown }).close === "function") await (v as { close(): unknown }).close();
      }
    }
    t++;
    // Later steps are not needed: stop reading (generators are closed by the for-await exit).
    if (t >= t1) return;
  }
}

export function encodePartInfo(info: PartInfo): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(info));
}

export function decodePartInfo(bytes: Uint8Array, where: string): PartInfo {
  let v: PartInfo;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as PartInfo;
  } catch (e) {
    throw new FlatvoxError("FormatError", `${where}: part section is not JSON (${(e as Error).message})`, {
      section: "part",
    });
  }
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
  if (!ok(v.part) || !ok(v.parts) || !ok(v.t0) || !ok(v.timeCount) || v.part >= v.parts) {
    throw new FlatvoxError("FormatError", `${where}: part section has invalid numbers`, { section: "part" });
  }
  return v;
}

/**
 * Pack part `part` of `parts` of a dataset: its share of the timesteps, as a
 * .fvx of that range. Features are not extracted here but recorded for the
 * merge, which extracts and tracks them over the whole run. Writing is atomic
 * (temporary name, then rename), so rerunning a failed part replaces it.
 */
export async function packPart(
  spec: DatasetSpec,
  steps: TimestepSource,
  outPath: string,
  part: number,
  parts: number,
  opts: PackOptions = {},
): Promise<PackReport & { t0: number; t1: number }> {
  const T = spec.times.length;
  const [t0, t1] = partRange(T, part, parts);
  if (opts.features?.instances) {
    throw new FlatvoxError(
      "InputError",
      "features from a file with --part: pack the parts without them and give the file to merge",
    );
  }
  const info: PartInfo = {
    part,
    parts,
    t0,
    timeCount: T,
    ...(opts.features ? { features: opts.features } : {}),
  };
  const previous = opts.extraSections;
  const report = await packDataset(
    { ...spec, times: spec.times.slice(t0, t1) },
    selectSteps(steps, t0, t1),
    outPath,
    {
      ...opts,
      features: undefined,
      extraSections: async () => [
        ...((await previous?.()) ?? []),
        { kind: PART_SECTION_KIND, bytes: encodePartInfo(info), optional: true },
      ],
    },
  );
  return { ...report, t0, t1 };
}

/** `--part I/N` of `flatvox pack` and `flatvox demo`. */
export function packPartCli(
  spec: DatasetSpec,
  steps: TimestepSource,
  outPath: string,
  part: string,
  opts: PackOptions,
): Promise<PackReport> {
  const { part: i, parts: n } = parsePart(part);
  return packPart(spec, steps, outPath, i, n, opts);
}
