// Module hooks that append the URL of every module Node loads to the file named
// by FLATVOX_MODULE_TRACE (one per line). Registered with
// `node --import ./test/helpers/module-trace-register.mjs`.
import { appendFileSync } from "node:fs";

export async function load(url, context, next) {
  if (process.env.FLATVOX_MODULE_TRACE) appendFileSync(process.env.FLATVOX_MODULE_TRACE, `${url}\n`);
  return next(url, context);
}
