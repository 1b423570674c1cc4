import { register } from "node:module";

register(new URL("./module-trace.mjs", import.meta.url));
