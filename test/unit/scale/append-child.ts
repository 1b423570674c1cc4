/** Child process of the append crash test: appends timesteps [from, to) of the material demo, then exits. */
import { materialWorldDemo } from "../../../src/demo/material-world";
import { appendTimesteps } from "../../../src/writer/append";

const [path, from, to] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const demo = materialWorldDemo({ size: 48, steps: to, substeps: 2, seed: 9 });
const steps = [...demo.steps].slice(from);
process.stdout.write("ready\n");
await appendTimesteps(path, { times: demo.spec.times.slice(from), steps }, { workers: 0 });
process.stdout.write("done\n");
