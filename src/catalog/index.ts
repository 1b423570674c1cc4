/** Catalogs of many datasets: build (Node or browser), read, search. */
export { type BuildCatalogOptions, buildCatalog, type CatalogInput, describeDataset } from "./build";
export {
  type CatalogHit,
  CatalogIndex,
  parseCatalog,
  parseQuery,
  readCatalog,
  searchCatalog,
} from "./search";
export * from "./types";
