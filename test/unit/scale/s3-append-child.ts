/** Child process of the object-storage append crash test: appends noise timesteps [from, to) to an s3:// dataset, then exits. */
import { appendTimesteps } from "../../../src/writer/append";
import { MIN_PART } from "../../../src/writer/s3";
import { noise } from "./noise";

const [url, from, to] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const all = noise(to);
process.stdout.write("ready\n");
await appendTimesteps(
  url,
  { times: all.spec.times.slice(from), steps: all.steps.slice(from).map((x, i) => ({ ...x, index: i })) },
  { workers: 0, s3: { partSize: MIN_PART } },
);
process.stdout.write("done\n");
