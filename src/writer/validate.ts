/** Input validation for the packer: every problem is an InputError that says what is wrong. */
import { LIMITS } from "../format/constants";
import { FlatvoxError } from "../shared/errors";
import { DTYPES, type TypedArray } from "../shared/types";
import {
  type DatasetSpec,
  DEFAULT_DELTA_CHAIN,
  isSlabReader,
  type PackOptions,
  type TimestepData,
} from "./pack-types";

function bad(message: string, extra: Record<string, unknown> = {}): never {
  throw new FlatvoxError("InputError", message, extra);
}

export function validateSpec(spec: DatasetSpec, opts: PackOptions): void {
  const { dims } = spec;
  if (!Array.isArray(dims) || dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d >= 1)) {
    bad(`dims must be three positive integers, got ${JSON.stringify(dims)}`);
  }
  if (dims.some((d) => d > LIMITS.maxDim))
    bad(`dims ${JSON.stringify(dims)} exceed ${LIMITS.maxDim} per axis`);
  for (const [name, v, positive] of [
    ["origin", spec.origin, false],
    ["spacing", spec.spacing, true],
  ] as const) {
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isFinite(x) && (!positive || x > 0))) {
      bad(`${name} must be three finite${positive ? " positive" : ""} numbers, got ${JSON.stringify(v)}`);
    }
  }
  if (!Array.isArray(spec.fields) || spec.fields.length === 0) bad("at least one field is required");
  if (spec.fields.length > LIMITS.maxFields) bad(`at most ${LIMITS.maxFields} fields`);
  const names = new Set<string>();
  for (const f of spec.fields) {
    if (typeof f.name !== "string" || f.name.length === 0 || f.name.length > 256)
      bad("field names must be 1..256 characters");
    if (names.has(f.name)) bad(`field name ${JSON.stringify(f.name)} repeated`);
    names.add(f.name);
    if (!DTYPES.includes(f.dtype)) bad(`field ${f.name}: unknown dtype ${JSON.stringify(f.dtype)}`);
    if (f.kind !== "scalar" && f.kind !== "categorical")
      bad(`field ${f.name}: kind must be scalar or categorical`);
    if (f.fill !== undefined && f.fill !== null && typeof f.fill !== "number")
      bad(`field ${f.name}: fill must be a number or null`);
  }
  const { times } = spec;
  if (!Array.isArray(times) || times.length === 0) bad("times must list at least one time value");
  if (times.length > LIMITS.maxTimesteps) bad(`at most ${LIMITS.maxTimesteps} timesteps`);
  for (let i = 0; i < times.length; i++) {
    if (!Number.isFinite(times[i])) bad(`time ${i} is not finite`);
    if (i > 0 && !(times[i] > times[i - 1]))
      bad(`times must be strictly increasing (time ${i}: ${times[i - 1]} → ${times[i]})`);
  }
  const b = opts.brickSize ?? 64;
  if (!Number.isInteger(b) || b < LIMITS.minBrickSize || b > LIMITS.maxBrickSize || (b & (b - 1)) !== 0) {
    bad(`brick size must be a power of two in 16..256, got ${b}`);
  }
  const level = opts.zstdLevel ?? 1;
  if (!Number.isInteger(level) || level < 1 || level > 22) bad(`zstd level must be 1..22, got ${level}`);
  if ((opts.order ?? "morton") !== "morton")
    bad(`brick order ${opts.order} is not supported by format v1 (morton only)`);
  const chain = opts.maxDeltaChain ?? DEFAULT_DELTA_CHAIN;
  if (!Number.isInteger(chain) || chain < 0 || chain > LIMITS.maxDeltaChain) {
    bad(`maxDeltaChain must be 0..${LIMITS.maxDeltaChain}`);
  }
}

const CTORS: Record<string, new (n: number) => TypedArray> = {
  u8: Uint8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  f32: Float32Array,
};

export function validateStep(spec: DatasetSpec, step: TimestepData, expectedIndex: number): void {
  if (step.index !== expectedIndex)
    bad(`timestep ${step.index} arrived, expected ${expectedIndex}`, { step: step.index });
  const voxels = spec.dims[0] * spec.dims[1] * spec.dims[2];
  for (const f of spec.fields) {
    const a = step.fields?.[f.name];
    if (a === undefined) bad(`timestep ${step.index}: field ${f.name} missing`, { step: step.index });
    if (isSlabReader(a)) continue; // its reads are checked as they come (src/writer/pyramid-slabs.ts)
    if (!(a instanceof CTORS[f.dtype])) {
      bad(`timestep ${step.index}: field ${f.name} must be a ${CTORS[f.dtype].name} (dtype ${f.dtype})`, {
        step: step.index,
      });
    }
    if (a.length !== voxels) {
      bad(
        `timestep ${step.index}: field ${f.name} has ${a.length} values, dims ${spec.dims.join("×")} need ${voxels}`,
        {
          step: step.index,
        },
      );
    }
  }
  for (const name of Object.keys(step.fields ?? {})) {
    if (!spec.fields.some((f) => f.name === name)) bad(`timestep ${step.index}: unknown field ${name}`);
  }
}
