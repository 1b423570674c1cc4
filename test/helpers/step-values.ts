/** Whole-timestep values of a field as the packer would read them (SlabReaders read in one call). */
import type { TypedArray } from "../../src/shared/types";
import type { SlabReader } from "../../src/writer/pack-types";
import { isSlabReader } from "../../src/writer/pack-types";

export async function wholeField(v: TypedArray | SlabReader): Promise<TypedArray> {
  if (!isSlabReader(v)) return v;
  if (!v.dims) throw new Error("SlabReader without dims");
  return v.read(0, v.dims[2], 0, v.dims[1]);
}
