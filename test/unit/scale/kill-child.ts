/**
 * A crash-safety child process (`tsx <script> args…`): it prints "ready" when its
 * write is under way and "done" when it finished; killed with SIGKILL `killAfterMs`
 * after "ready" when given. Resolves with whether it finished and how long it ran.
 */
import { spawn } from "node:child_process";

export function runKillableChild(
  script: string,
  args: string[],
  killAfterMs?: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ done: boolean; ms: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    let out = "";
    let err = "";
    let t0 = 0;
    p.stdout.on("data", (d) => {
      out += d;
      if (out.includes("ready") && !t0) {
        t0 = performance.now();
        if (killAfterMs !== undefined) setTimeout(() => p.kill("SIGKILL"), killAfterMs);
      }
    });
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.on("error", reject);
    p.on("exit", (code, signal) => {
      if (code !== 0 && signal !== "SIGKILL") reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ done: out.includes("done"), ms: performance.now() - t0 });
    });
  });
}
