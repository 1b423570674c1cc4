/**
 * `flatvox/node`: the Node-only parts — local files as byte sources, the
 * packer that writes `.fvx`, and catalog building. Everything in `flatvox`
 * is re-exported, so one import serves a Node program.
 */

export { type BuildCatalogOptions, buildCatalog, type CatalogInput, describeDataset } from "./catalog/build";
export * from "./index";
export { FileSource } from "./io/file-source";
export type {
  ArrayTimestepData,
  DatasetSpec,
  FieldSpec,
  PackOptions,
  SlabReader,
  TimestepData,
} from "./writer/pack-types";
export { type PackReport, packDataset } from "./writer/packer";
