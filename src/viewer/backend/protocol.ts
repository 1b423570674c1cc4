/**
 * What the backend worker tells the page, in one message per batch on its
 * event port. A brick's payload is in `bricks` once, with its buffers in the
 * message's transfer list: that message is the brick's only thread crossing.
 */
import type { SerializedError } from "../../shared/errors";
import type { Vec3 } from "../../shared/types";
import type { GpuReady } from "../../worker/gpu-prep";
import type { BrickAddress, BrickSummary, GpuNorm, TransferStats, ViewerInfo } from "../data/viewer-types";
import type { Unavailable } from "../offline/availability";
import type { ViewerCacheStats } from "../offline/offline-data";
import type { LoadRequest, StoreStats } from "../stream/brick-store";

export interface BrickDelivery {
  key: string;
  dims: Vec3;
  /** Scalar bricks: the atlas texture (normalized halves) and occupancy maxima. */
  ready?: GpuReady;
  /**
   * Categorical bricks: their ids stay here (the backend meshes them, see
   * `BackendService.mesh`); the page gets the distinct ids (for its material
   * list) and how many bytes are kept for it.
   */
  materials?: number[];
  heldBytes?: number;
}

export interface BackendEvents {
  summaries: [BrickAddress, BrickSummary][];
  bricks: BrickDelivery[];
  /** Addresses whose job finished (loaded, uniform, skipped or deduplicated). */
  loaded: BrickAddress[];
  unavailable: BrickAddress[];
  errors: [BrickAddress, SerializedError][];
  stats: StoreStats;
  /** The backend's transport counters. */
  transfer: TransferStats;
  /** Bricks whose buffers were copied before transfer (views into larger buffers); 0 expected. */
  copies: number;
  /** False while the server is unreachable and reads come from the persistent cache. */
  online: boolean;
  /** What could not be read offline (not cached, or cached copies found corrupt), by level and timestep. */
  missing: Unavailable;
  /** Corrupt cached entries found (and discarded) this session. */
  corruptFound: number;
  /** The backend's persistent cache counters (it writes what it fetches). */
  cacheStats?: ViewerCacheStats;
}

/** What `open` answers: the dataset's description and which optional queries it supports. */
export interface OpenReply {
  info: ViewerInfo;
  url: string;
  has: {
    features: boolean;
    offline: boolean;
    probe: boolean;
    line: boolean;
    stats: boolean;
    region: boolean;
  };
}

/** Per field: what the view can show and the texture normalization (scalar fields). */
export interface FieldParams {
  visibleFrom?: number;
  norm?: GpuNorm;
}

export interface WantedMessage {
  reqs: LoadRequest[];
  params: Record<string, FieldParams>;
}

export interface BackendOpenOptions {
  persistentCache?: boolean;
  /** A local `File`/`Blob` to read instead of fetching the URL (structured-cloned to the worker). */
  file?: Blob;
  workers?: "auto" | false;
  /** The user's cache quota (the page's setting; a worker has no localStorage). */
  quotaBytes?: number;
}
