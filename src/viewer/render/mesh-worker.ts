/// <reference lib="webworker" />
/** Meshing off the main thread; results are transferred, not cloned. */
import * as Comlink from "comlink";
import { type MeshInput, meshVoxels } from "./voxel-mesher";

const api = {
  mesh(input: MeshInput) {
    const out = meshVoxels(input);
    return Comlink.transfer(out, [
      out.positions.buffer,
      out.normals.buffer,
      out.colors.buffer,
      out.indices.buffer,
    ]);
  },
};

export type MeshWorkerApi = typeof api;
Comlink.expose(api);
