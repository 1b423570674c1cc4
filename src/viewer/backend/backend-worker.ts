/** The viewer's backend worker: BackendService over Comlink (see backend-service.ts). */
import * as Comlink from "comlink";
import { BackendService } from "./backend-service";

Comlink.expose(new BackendService());
