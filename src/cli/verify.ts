/**
 * `flatvox verify <file-or-url>`: checks everything a reader would use and
 * reports the first failure with its offset (exit code 1):
 * - every section's checksum (open block, sections, hierarchy pages);
 * - every brick entry of every field, timestep and level: its own offset,
 *   length and checksum against the bytes it points at, then its decode,
 *   delta chain included (entries sharing stored bytes are checked once per
 *   distinct offset+length+checksum+encoding, never merely per offset);
 * - the probe index: its head, every page, every chunk decoded;
 * - the feature index walked as queries and track lookups walk it: every
 *   R-tree node, record, attribute B+tree node, bloom page, reference and track.
 */
import type { Command } from "commander";
import { Encoding, SectionKind } from "../format/constants";
import { openDataset } from "../reader";
import type { Dataset } from "../reader/dataset";
import { FlatvoxError, isFlatvoxError } from "../shared/errors";

export interface VerifyResult {
  ok: boolean;
  sections: number;
  bricks: number;
  /** Distinct stored bricks checked (dedup shares bytes). */
  storedBricks: number;
  /** Feature instances, tracks and attribute indices walked (when the file has features). */
  features?: { features: number; tracks: number; indices: number };
  /** Probe-index chunks checked (docs/FORMAT.md §16), when the file has one. */
  probeChunks?: number;
  error?: { tag: string; message: string; section?: string; offset?: number };
}

/** Verify everything reachable from an open dataset; stops at the first failure. */
export async function verifyDataset(
  ds: Dataset,
  onProgress?: (done: number, total: number) => void,
): Promise<VerifyResult> {
  const r: VerifyResult = { ok: true, sections: 0, bricks: 0, storedBricks: 0 };
  try {
    // Open-block sections were verified by openDataset; the rest are read and checked here.
    // The body is checked brick by brick below.
    for (const s of ds.info.sections) {
      if (s.kind === SectionKind.BODY) continue;
      await ds.readSection(s.kind);
      r.sections++;
    }
    const { fields, times, levels } = ds.info;
    const total = fields.length * times.length;
    // What was checked: the bytes an entry names (offset, length, checksum) and how they decode.
    const seen = new Set<string>();
    for (let f = 0; f < fields.length; f++)
      for (let t = 0; t < times.length; t++) {
        for (const g of levels)
          for (let z = 0; z < g.bricks[2]; z++)
            for (let y = 0; y < g.bricks[1]; y++)
              for (let x = 0; x < g.bricks[0]; x++) {
                const e = await ds.brickEntry(f, t, g.level, [x, y, z]);
                r.bricks++;
                if (e.encoding === Encoding.UNIFORM) continue;
                // A delta brick's values depend on its chain: always decode it.
                const key = `${e.offset}:${e.length}:${e.checksum}:${e.encoding}:${f}:${e.size.join("x")}`;
                if (e.encoding !== Encoding.XOR_DELTA_SHUFFLE_ZSTD && seen.has(key)) continue;
                seen.add(key);
                await ds.readBrick({ field: f, t, level: g.level, brick: [x, y, z] });
              }
        onProgress?.(f * times.length + t + 1, total);
      }
    r.storedBricks = seen.size;
    if (ds.featureIndex.available) r.features = await (await ds.featureIndex.open()).verifyAll();
    if (ds.hasProbeIndex) r.probeChunks = await ds.verifyProbeIndex();
  } catch (e) {
    if (!isFlatvoxError(e)) throw e;
    r.ok = false;
    r.error = { tag: e.tag, message: e.message, section: e.context.section, offset: e.context.offset };
  }
  return r;
}

export function register(program: Command): void {
  program
    .command("verify")
    .description(
      "check everything a reader uses: checksums, every brick entry and its decode, every feature index structure",
    )
    .argument("<file-or-url>", ".fvx file path or http(s) URL")
    .option("--json", "print JSON")
    .action(async (target: string, o: { json?: boolean }) => {
      let result: VerifyResult;
      try {
        const ds = await openDataset(target);
        try {
          result = await verifyDataset(ds);
        } finally {
          await ds.source.close?.();
        }
      } catch (e) {
        if (!(e instanceof FlatvoxError) && !isFlatvoxError(e)) throw e;
        const fe = e as FlatvoxError;
        result = {
          ok: false,
          sections: 0,
          bricks: 0,
          storedBricks: 0,
          error: { tag: fe.tag, message: fe.message, ...fe.context },
        };
      }
      if (o.json) console.log(JSON.stringify(result, null, 2));
      else if (result.ok)
        console.log(
          `ok: ${result.sections} sections, ${result.bricks} bricks (${result.storedBricks} stored)${
            result.features
              ? `, ${result.features.features} features, ${result.features.tracks} tracks, ${result.features.indices} attribute indices`
              : ""
          }${result.probeChunks ? `, ${result.probeChunks} probe chunks` : ""} verified`,
        );
      else {
        const err = result.error!;
        console.error(
          `FAILED at offset ${err.offset ?? "?"} (${err.section ?? "?"}): ${err.tag}: ${err.message}`,
        );
      }
      if (!result.ok) process.exitCode = 1;
    });
}
