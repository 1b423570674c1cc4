/**
 * Decode worker entry (browser Web Worker and Node worker thread alike):
 * exposes the decode service through Comlink. Result buffers are transferred,
 * never cloned.
 */
import { type Endpoint, expose, transfer } from "comlink";
import type { RegionStats } from "../core/region-stats";
import { createDecodeService } from "./decode-service";
import type { DecodeServiceApi, Envelope } from "./protocol";
import { workerEndpoint } from "./worker-endpoint";

const service = createDecodeService();

const api: DecodeServiceApi = {
  init: (implementation) => service.init(implementation),
  async decode(id, job) {
    const r = await service.decode(id, job);
    return r.ok ? transfer(r, [r.value]) : r;
  },
  async decodeGpu(id, job) {
    const r = await service.decodeGpu(id, job);
    if (!r.ok) return r;
    const { values, ready } = r.value;
    return transfer(r, [values, ready.half.buffer as ArrayBuffer, ready.blockMax.buffer as ArrayBuffer]);
  },
  pickBrick: (id, job) => service.pickBrick(id, job),
  async statsBrick(id, job) {
    const r: Envelope<RegionStats> = await service.statsBrick(id, job);
    const h = r.ok ? r.value.histogram : undefined;
    return h ? transfer(r, [h.buffer as ArrayBuffer]) : r;
  },
  echo: async (buffer) => transfer(buffer, [buffer]),
  cancel: (id) => service.cancel(id),
};

function start(ep: Endpoint): void {
  expose(api, ep);
}

const ep = workerEndpoint();
if (ep instanceof Promise) ep.then(start);
else start(ep);
