/** `flatvox inspect <file-or-url>`: header, fields, times, levels, brick counts, sizes and ratios. */
import type { Command } from "commander";
import { boundedJson } from "../format/json-depth";
import { FEATURE_SECTION_KINDS } from "../index/section-kinds";
import type { Dataset } from "../reader/dataset";
import { openDataset } from "../reader/open-dataset";

export interface InspectReport {
  source: string;
  version: string;
  size?: number;
  dims: number[];
  origin: number[];
  spacing: number[];
  /** Grid → world affine, row-major 3×4 (when the file has one). */
  transform?: number[];
  /** Length unit of world coordinates ("" when unknown). */
  spaceUnits: string;
  brickSize: number;
  fields: {
    name: string;
    dtype: string;
    kind: string;
    units: string;
    fill: number | string | null;
    range: [number, number] | null;
  }[];
  times: { count: number; first: number; last: number; units: string };
  levels: { level: number; dims: number[]; bricks: number[]; bricksPerTimestep: number }[];
  bricks?: { total: number; uniform: number; dedup: number; delta: number };
  storedBrickBytes?: number;
  inputBytes?: number;
  compressionRatio?: number;
  dedupRatio?: number;
  sections: {
    kind: number;
    name: string;
    offset: number;
    length: number;
    optional: boolean;
    compressed: boolean;
  }[];
  metadata: unknown;
  /** Feature sections: counts, indices and sizes (when the file has features). */
  features?: {
    count: number;
    tracks: number;
    indices: string[];
    /** Bytes per feature section; the directory's placement (inside the open block or not). */
    sections: { name: string; bytes: number }[];
    directoryInOpenBlock: boolean;
  };
}

/** The feature part of the report (reads the feature directory unless it lies in the open block). */
export async function inspectFeatures(ds: Dataset): Promise<InspectReport["features"]> {
  if (!ds.featureIndex.available) return undefined;
  const s = await ds.featureIndex.summary();
  const dir = ds.section(FEATURE_SECTION_KINDS.dir);
  return {
    count: s.features,
    tracks: s.tracks,
    indices: s.indices.map((i) => `${i.name}:${i.type}`),
    sections: Object.values(FEATURE_SECTION_KINDS).map((k) => {
      const x = ds.info.sections.find((e) => e.kind === k);
      return { name: x?.name ?? String(k), bytes: x?.length ?? 0 };
    }),
    directoryInOpenBlock: dir !== undefined && dir.offset + dir.length <= 65536,
  };
}

export function inspectDataset(ds: Dataset, source: string): InspectReport {
  const i = ds.info;
  const s = i.summary;
  return {
    source,
    version: `${i.version.major}.${i.version.minor}`,
    size: i.size,
    dims: i.dims,
    origin: i.origin,
    spacing: i.spacing,
    ...(i.transform ? { transform: i.transform } : {}),
    spaceUnits: i.spaceUnits,
    brickSize: i.brickSize,
    fields: i.fields.map((f) => ({
      name: f.name,
      dtype: f.dtype,
      kind: f.kind,
      units: f.units,
      fill: f.fill === null || Number.isFinite(f.fill) ? f.fill : String(f.fill),
      range: f.range,
    })),
    times: {
      count: i.times.length,
      first: i.times[0],
      last: i.times[i.times.length - 1],
      units: i.timeUnits,
    },
    levels: i.levels.map((l) => ({ ...l, bricksPerTimestep: l.bricks[0] * l.bricks[1] * l.bricks[2] })),
    bricks: s && { total: s.bricks, uniform: s.uniform, dedup: s.dedup, delta: s.delta },
    storedBrickBytes: s?.brickBytes,
    inputBytes: s?.inputBytes,
    compressionRatio: s && i.size ? s.inputBytes / i.size : undefined,
    dedupRatio: s && s.brickBytes > 0 ? (s.brickBytes + (s.dedupBytes ?? 0)) / s.brickBytes : undefined,
    sections: i.sections.map((x) => ({
      kind: x.kind,
      name: x.name,
      offset: x.offset,
      length: x.length,
      optional: x.optional,
      compressed: x.compressed,
    })),
    metadata: i.metadata,
  };
}

const mb = (n?: number) => (n === undefined ? "?" : `${(n / 1e6).toFixed(2)} MB`);

export function formatInspect(r: InspectReport): string {
  const lines = [
    `${r.source}  (fvx ${r.version}, ${mb(r.size)})`,
    `grid      ${r.dims.join(" × ")}  origin ${r.origin.join(", ")}  spacing ${r.spacing.join(", ")}${r.spaceUnits ? ` ${r.spaceUnits}` : ""}  brick ${r.brickSize}³`,
    ...(r.transform
      ? [0, 1, 2].map(
          (row) =>
            `${row === 0 ? "transform" : "         "} [${r.transform
              ?.slice(row * 4, row * 4 + 4)
              .map((x) => +x.toPrecision(8))
              .join(", ")}]${row === 0 ? "  world = M·(voxel position, 1)" : ""}`,
        )
      : []),
    `times     ${r.times.count} steps, ${r.times.first} … ${r.times.last} ${r.times.units}`,
    "fields",
    ...r.fields.map(
      (f) =>
        `  ${f.name.padEnd(16)} ${f.dtype.padEnd(4)} ${f.kind.padEnd(12)} ${f.units || "-"}  fill ${f.fill ?? "none"}  range ${f.range ? f.range.join(" … ") : "-"}`,
    ),
    "levels",
    ...r.levels.map(
      (l) =>
        `  ${String(l.level).padStart(2)}  ${l.dims.join(" × ").padEnd(18)} ${l.bricks.join(" × ")} bricks`,
    ),
  ];
  if (r.bricks) {
    lines.push(
      `bricks    ${r.bricks.total} total, ${r.bricks.uniform} uniform, ${r.bricks.dedup} deduplicated, ${r.bricks.delta} delta`,
      `sizes     input ${mb(r.inputBytes)}, stored bricks ${mb(r.storedBrickBytes)}, file ${mb(r.size)}`,
      `ratios    compression ${r.compressionRatio?.toFixed(2) ?? "?"}×, dedup ${r.dedupRatio?.toFixed(2) ?? "?"}×`,
    );
  }
  lines.push(
    "sections",
    ...r.sections.map(
      (s) => `  ${s.name.padEnd(20)} @${s.offset}  ${s.length} B${s.optional ? "  (optional)" : ""}`,
    ),
  );
  if (r.features) {
    const f = r.features;
    lines.push(
      `features  ${f.count} instances, ${f.tracks} tracks; indices ${f.indices.join(", ")}`,
      `          ${f.sections.map((s) => `${s.name} ${s.bytes} B`).join(", ")}; directory ${f.directoryInOpenBlock ? "in the open block" : "outside the open block (one extra request)"}`,
    );
  }
  lines.push(`metadata  ${boundedJson(r.metadata)}`);
  return lines.join("\n");
}

export function register(program: Command): void {
  program
    .command("inspect")
    .description("show a dataset's header, fields, times, levels, brick counts, sizes and sections")
    .argument("<file-or-url>", ".fvx file path or http(s) URL")
    .option("--json", "print JSON")
    .action(async (target: string, o: { json?: boolean }) => {
      // Nothing here decodes bricks: no worker threads to start, and the few
      // small compressed sections decode faster in JS than the WASM decoder loads.
      const ds = await openDataset(target, { workers: false, zstd: "js" });
      try {
        const r = inspectDataset(ds, target);
        r.features = await inspectFeatures(ds);
        console.log(o.json ? boundedJson(r, 80, 2) : formatInspect(r));
      } finally {
        await ds.source.close?.();
      }
    });
}
