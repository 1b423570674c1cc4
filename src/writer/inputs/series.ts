/**
 * Assemble stored arrays (one or many files, each one or many timesteps) into
 * the packer's input: a DatasetSpec and a lazy, re-iterable TimestepSource.
 */
import type { DType, FieldKind, Vec3 } from "../../shared/types";
import type { DatasetSpec, MetadataValue, TimestepData, TimestepSource } from "../pack-types";
import { inputError } from "./input-error";
import { defaultTarget, describeSource } from "./source-dtype";
import { sourceList } from "./source-list";
import type { AxisOrder, Interpretation, Limits, StoredArray } from "./stored-array";
import { arraySteps, DEFAULT_LIMITS, interpret } from "./stored-array";

/** Options shared by every input reader. */
export interface InputOptions {
  /** Field name (default "value"). */
  field?: string;
  kind?: FieldKind;
  units?: string;
  /** Stored dtype; default derived from the input type (see defaultTarget). */
  dtype?: DType;
  fill?: number;
  /** One time value per timestep, strictly increasing (default 0..T-1). */
  times?: number[];
  timeUnits?: string;
  origin?: Vec3;
  spacing?: Vec3;
  axes?: AxisOrder;
  metadata?: Record<string, MetadataValue>;
  limits?: Partial<Limits>;
}

export interface InputDataset {
  spec: DatasetSpec;
  steps: TimestepSource;
  /** Total input data bytes (for throughput figures). */
  bytesIn: number;
}

export function assembleSeries(arrays: StoredArray[], opts: InputOptions): InputDataset {
  if (arrays.length === 0) throw new TypeError("no input arrays");
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const axes = opts.axes ?? "zyx";
  const kind = opts.kind ?? "scalar";
  const parts: { arr: StoredArray; it: Interpretation }[] = arrays.map((arr) => ({
    arr,
    it: interpret(arr.layout, axes, arr.name),
  }));
  const dims = parts[0].it.dims;
  for (const { arr, it } of parts) {
    if (it.dims.some((d, k) => d !== dims[k])) {
      throw inputError(
        `grid ${it.dims.join("×")} differs from ${dims.join("×")} of ${parts[0].arr.name}`,
        arr.name,
      );
    }
  }
  const srcType = parts[0].arr.layout.dtype;
  const target = opts.dtype ?? defaultTarget(srcType, kind);
  if (kind === "categorical" && target === "f32") {
    throw inputError("a categorical field needs an integer dtype (u8, u16, i16, u32)", parts[0].arr.name);
  }
  const total = parts.reduce((n, p) => n + p.it.steps, 0);
  const times = opts.times ?? Array.from({ length: total }, (_, i) => i);
  if (times.length !== total) {
    throw inputError(`${times.length} time values given for ${total} timesteps`, parts[0].arr.name);
  }
  for (let i = 0; i < times.length; i++) {
    if (!Number.isFinite(times[i]) || (i > 0 && !(times[i] > times[i - 1]))) {
      throw inputError(
        `time values must be finite and strictly increasing (at index ${i}: ${times[i]})`,
        "--times",
      );
    }
  }
  const bytesIn = parts.reduce(
    (n, p) => n + p.it.dims[0] * p.it.dims[1] * p.it.dims[2] * p.it.steps * p.arr.layout.dtype.size,
    0,
  );
  const name = opts.field ?? "value";
  const spec: DatasetSpec = {
    dims: [...dims],
    origin: opts.origin,
    spacing: opts.spacing,
    fields: [{ name, dtype: target, kind, units: opts.units, fill: opts.fill }],
    times,
    timeUnits: opts.timeUnits,
    metadata: {
      ...opts.metadata,
      source: sourceList(arrays.map((a) => a.name)),
      sourceDtype: describeSource(srcType),
    },
  };
  async function* generate(): AsyncGenerator<TimestepData> {
    let index = 0;
    for (const { arr, it } of parts) {
      for await (const reader of arraySteps(arr, it, target, limits)) {
        yield { index: index++, fields: { [name]: reader } };
      }
    }
  }
  return { spec, steps: { [Symbol.asyncIterator]: generate }, bytesIn };
}
