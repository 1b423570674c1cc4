// Gray–Scott helper thread: claims slab tickets with the calling thread until
// each step() call's last ticket is taken, then sleeps until the next call
// (see gray-scott-kernel.mjs). Plain JavaScript so it starts under any loader.
import { workerData } from "node:worker_threads";
import { CTRL, runTickets } from "./gray-scott-kernel.mjs";

const { ctrl, prog, grid } = workerData;
try {
  while (Atomics.load(ctrl, CTRL.STOP) === 0) {
    const end = Atomics.load(ctrl, CTRL.END);
    Atomics.add(ctrl, CTRL.HELPED, runTickets(ctrl, prog, grid, end));
    while (Atomics.load(ctrl, CTRL.END) === end && Atomics.load(ctrl, CTRL.STOP) === 0) {
      Atomics.wait(ctrl, CTRL.END, end, 1000);
    }
  }
} catch (e) {
  Atomics.store(ctrl, CTRL.ERROR, 1);
  Atomics.notify(ctrl, CTRL.DONE);
  throw e;
}
