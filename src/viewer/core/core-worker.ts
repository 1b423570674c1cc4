/** The viewer's core worker: the WASM LOD selection and ray picking service over Comlink. */
import * as Comlink from "comlink";
import { ViewerCoreService } from "./core-service";

Comlink.expose(new ViewerCoreService());
