/**
 * One rule for "no data" in scalar fields: it is NaN. A scalar field given
 * with another fill value (an integer _FillValue, a --fill) is stored as f32
 * with that value turned into NaN, so ranges, stats, LOD means and the viewer
 * leave it out without knowing about fills (docs/FORMAT.md "Fill and no
 * data"). u8, u16 and i16 values are exact in f32; larger integers are refused
 * rather than rounded. Categorical fields keep their dtype: their fill is a
 * label that is not drawn.
 */
import { FlatvoxError } from "../shared/errors";
import type { TypedArray } from "../shared/types";
import type { DatasetSpec, FieldSpec, SlabReader, TimestepData, TimestepSource } from "./pack-types";
import { isSlabReader } from "./pack-types";

/** Largest integer magnitude f32 holds exactly. */
const F32_EXACT = 2 ** 24;

function needsNaN(f: FieldSpec): f is FieldSpec & { fill: number } {
  return f.kind === "scalar" && typeof f.fill === "number" && !Number.isNaN(f.fill);
}

/** The spec as stored, and the timesteps converted to it (the input is returned as is when nothing changes). */
export function normalizeNoData(
  spec: DatasetSpec,
  steps: TimestepSource,
): { spec: DatasetSpec; steps: TimestepSource } {
  const changed = spec.fields.filter(needsNaN);
  if (changed.length === 0) return { spec, steps };
  const fills = new Map(changed.map((f) => [f.name, { fill: f.fill, dtype: f.dtype }]));
  const fields = spec.fields.map((f) =>
    needsNaN(f)
      ? {
          ...f,
          dtype: "f32" as const,
          fill: Number.NaN,
          attributes: { ...f.attributes, noData: { value: f.fill, inputDtype: f.dtype } },
        }
      : f,
  );
  const convert = (a: TypedArray, name: string, fill: number): Float32Array => {
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (v === fill) out[i] = Number.NaN;
      else {
        if (!(a instanceof Float32Array) && (v > F32_EXACT || v < -F32_EXACT)) {
          throw new FlatvoxError(
            "InputError",
            `field ${name}: value ${v} with a fill value cannot be stored exactly (no data is NaN in f32, exact to ±2^24); pack without --fill or as categorical`,
          );
        }
        out[i] = v;
      }
    }
    return out;
  };
  async function* gen(): AsyncGenerator<TimestepData> {
    for await (const s of steps as AsyncIterable<TimestepData>) {
      const out: Record<string, TypedArray | SlabReader> = { ...s.fields };
      for (const [name, { fill }] of fills) {
        const v = s.fields[name];
        if (v === undefined) continue;
        out[name] = isSlabReader(v)
          ? {
              dims: v.dims,
              read: async (z0, n, y0, h) => convert(await v.read(z0, n, y0, h), name, fill),
              close: () => v.close?.(),
            }
          : convert(v, name, fill);
      }
      yield { ...s, fields: out };
    }
  }
  return { spec: { ...spec, fields }, steps: { [Symbol.asyncIterator]: gen } };
}
