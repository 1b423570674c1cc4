/**
 * `flatvox extract <file-or-url> --box x0,y0,z0,x1,y1,z1 --t T [--level L]
 * [--field F] [--format npy|csv] -o out.npy`: one half-open voxel box of one
 * timestep and level, read with `readRegion` (only the bricks it touches) and
 * written as NumPy `.npy` (shape [nz, ny, nx], so `a[z, y, x]`) or CSV.
 */
import { renameSync, unlinkSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { openDataset } from "../reader";
import { FlatvoxError } from "../shared/errors";
import { boxCsv, boxNpy } from "../shared/npy-write";
import type { Box3, Vec3 } from "../shared/types";
import { parseInteger, parseNumberList } from "./arg-parsers";

export interface ExtractCliOptions {
  out: string;
  box: string;
  t: string;
  level?: string;
  field?: string;
  format?: string;
  quiet?: boolean;
}

export interface ExtractReport {
  out: string;
  field: string;
  t: number;
  level: number;
  box: Box3;
  voxels: number;
  bytes: number;
}

function parseBox(text: string): Box3 {
  const v = parseNumberList(text, "--box");
  if (v.length !== 6 || v.some((x) => !Number.isInteger(x) || x < 0))
    throw new FlatvoxError("InputError", `--box: expected six integers x0,y0,z0,x1,y1,z1 ≥ 0, got '${text}'`);
  return { min: v.slice(0, 3) as Vec3, max: v.slice(3) as Vec3 };
}

export async function runExtract(target: string, o: ExtractCliOptions): Promise<ExtractReport> {
  const box = parseBox(o.box);
  const format = o.format ?? (o.out.toLowerCase().endsWith(".csv") ? "csv" : "npy");
  if (format !== "npy" && format !== "csv")
    throw new FlatvoxError("InputError", `--format: npy or csv, got '${format}'`);
  const ds = await openDataset(target);
  try {
    const t = parseInteger(o.t, "--t", 0, ds.info.times.length - 1);
    if (t === undefined) throw new FlatvoxError("InputError", "--t is required");
    const level = parseInteger(o.level ?? "0", "--level", 0, ds.info.levels.length - 1)!;
    const fi = o.field === undefined ? 0 : ds.fieldIndex(/^\d+$/.test(o.field) ? Number(o.field) : o.field);
    const field = ds.info.fields[fi];
    const data = await ds.readRegion({ field: fi, t, level, box });
    const size: Vec3 = [box.max[0] - box.min[0], box.max[1] - box.min[1], box.max[2] - box.min[2]];
    const bytes =
      format === "npy"
        ? boxNpy(data, field.dtype, size)
        : new TextEncoder().encode(boxCsv(data, box.min, size, field.name));
    const tmp = `${o.out}.partial-${process.pid}`;
    try {
      writeFileSync(tmp, bytes);
      renameSync(tmp, o.out);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {}
      throw new FlatvoxError("InputError", `cannot write ${o.out} (${(e as Error).message})`);
    }
    return { out: o.out, field: field.name, t, level, box, voxels: data.length, bytes: bytes.length };
  } finally {
    await ds.source.close?.();
  }
}

export function register(program: Command): void {
  program
    .command("extract")
    .description("write one voxel box of one timestep and level as .npy (or CSV)")
    .argument("<file-or-url>", ".fvx file path or http(s) URL")
    .requiredOption("--box <x0,y0,z0,x1,y1,z1>", "half-open voxel box in the level's coordinates")
    .requiredOption("--t <index>", "timestep index")
    .option("--level <n>", "resolution level (0 = full)", "0")
    .option("--field <name>", "field name or index (default the first)")
    .option("--format <npy|csv>", "output format (default from the -o extension, else npy)")
    .requiredOption("-o, --out <path>", "output file")
    .option("-q, --quiet", "no summary")
    .action(async (target: string, o: ExtractCliOptions) => {
      const r = await runExtract(target, o);
      if (!o.quiet)
        console.log(`${r.out}: ${r.field} t=${r.t} level ${r.level}, ${r.voxels} voxels, ${r.bytes} bytes`);
    });
}
