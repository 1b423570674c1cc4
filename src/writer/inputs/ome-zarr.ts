/**
 * OME-Zarr images (OME-NGFF 0.4 / 0.5 `multiscales`): level 0 of the first
 * multiscale, its axes mapped by name and type (t → time, c → one field per
 * channel, z/y/x → space), voxel size and placement from the scale and
 * translation transforms, units from the axes.
 *
 * NGFF puts voxel centres at index·scale + translation; flatvox's origin is
 * the corner of voxel 0, half a voxel before its centre.
 */
import * as zarr from "zarrita";
import { isFlatvoxError } from "../../shared/errors";
import type { Vec3 } from "../../shared/types";
import type { MetadataValue } from "../pack-types";
import type { RawArray } from "./cf";
import type { InputFile, InputVariable } from "./fields";
import { inputError } from "./input-error";
import {
  type AxisMap,
  openNode,
  probe,
  readHyperslab,
  sourceType,
  type ZArray,
  type ZarrOptions,
  type ZStore,
  zarrAttributes,
  zarrDecoding,
} from "./zarr-store";

interface NgffAxis {
  name: string;
  type?: string;
  unit?: string;
}

interface NgffTransform {
  type: string;
  scale?: number[];
  translation?: number[];
  path?: string;
}

interface NgffMultiscale {
  version?: string;
  name?: string;
  axes?: (NgffAxis | string)[];
  datasets?: { path: string; coordinateTransformations?: NgffTransform[] }[];
  coordinateTransformations?: NgffTransform[];
}

/** The `multiscales` list of a group's attributes (NGFF 0.4 at the top, 0.5 under "ome"). */
export function multiscalesOf(attrs: Record<string, unknown>): NgffMultiscale[] | undefined {
  const ome = attrs.ome as { multiscales?: unknown } | undefined;
  const ms = (ome && typeof ome === "object" ? ome.multiscales : undefined) ?? attrs.multiscales;
  return Array.isArray(ms) ? (ms as NgffMultiscale[]) : undefined;
}

const TYPE_BY_NAME: Record<string, string> = { t: "time", c: "channel", z: "space", y: "space", x: "space" };

/** Compose transforms (applied in order) into one scale and translation per axis. */
function compose(
  list: NgffTransform[],
  n: number,
  label: string,
): { scale: number[]; translation: number[] } {
  const scale = new Array<number>(n).fill(1);
  const translation = new Array<number>(n).fill(0);
  for (const tr of list) {
    if (tr.type === "identity") continue;
    if (tr.path !== undefined)
      throw inputError(
        `coordinate transformation '${tr.type}' stored in '${tr.path}' is not supported`,
        label,
      );
    const v = tr.type === "scale" ? tr.scale : tr.type === "translation" ? tr.translation : undefined;
    if (!v) throw inputError(`unsupported coordinate transformation '${tr.type}'`, label);
    if (v.length !== n || v.some((x) => typeof x !== "number" || !Number.isFinite(x)))
      throw inputError(`coordinate transformation '${tr.type}' has ${v.length} values for ${n} axes`, label);
    for (let k = 0; k < n; k++) {
      if (tr.type === "scale") {
        scale[k] *= v[k];
        translation[k] *= v[k];
      } else translation[k] += v[k];
    }
  }
  return { scale, translation };
}

/** Field names from the OMERO channel labels (unique, non-empty), else c0, c1, ... */
function channelNames(attrs: Record<string, unknown>, n: number): string[] {
  const omero = attrs.omero as { channels?: { label?: unknown }[] } | undefined;
  const labels = Array.isArray(omero?.channels) ? omero.channels.map((c) => c?.label) : [];
  const names = Array.from({ length: n }, (_, i) => {
    const l = labels[i];
    return typeof l === "string" && l.trim() ? l.trim() : `c${i}`;
  });
  return new Set(names).size === n ? names : names.map((_, i) => `c${i}`);
}

export async function omeInputFile(
  store: ZStore,
  root: zarr.Group<ZStore>,
  label: string,
  opts: ZarrOptions,
): Promise<InputFile> {
  const attrs = root.attrs as Record<string, unknown>;
  const ms = multiscalesOf(attrs)?.[0];
  const level = ms?.datasets?.[0];
  if (!ms || !level || typeof level.path !== "string")
    throw inputError("OME-Zarr multiscales without datasets", label);
  const node = await openNode(store, level.path, label);
  if (!(node instanceof zarr.Array))
    throw inputError(`OME-Zarr level '${level.path}' is not an array`, label);
  const arr = node as ZArray;
  const where = `${label}:${level.path}`;
  const n = arr.shape.length;
  const axes: NgffAxis[] = (ms.axes ?? ["t", "c", "z", "y", "x"].slice(5 - n)).map((a) =>
    typeof a === "string" ? { name: a, type: TYPE_BY_NAME[a] } : a,
  );
  if (axes.length !== n)
    throw inputError(
      `multiscales lists ${axes.length} axes for an array of shape (${arr.shape.join(", ")})`,
      label,
    );
  const find = (pred: (a: NgffAxis) => boolean) => axes.findIndex(pred);
  const ax: AxisMap = {
    t: find((a) => a.type === "time" || (!a.type && a.name === "t")),
    c: find((a) => a.type === "channel" || (!a.type && a.name === "c")),
    z: find((a) => a.name === "z"),
    y: find((a) => a.name === "y"),
    x: find((a) => a.name === "x"),
  };
  const described = `(${axes.map((a) => a.name).join(", ")}) of shape (${arr.shape.join(", ")})`;
  if (ax.x < 0 || ax.y < 0) throw inputError(`OME-Zarr axes ${described} have no x and y`, label);
  if (ax.z < 0)
    throw inputError(`OME-Zarr image ${described} is 2D (no z axis); flatvox packs 3D volumes`, label);
  const used = new Set(Object.values(ax).filter((k) => k >= 0));
  const extra = axes.filter((_, k) => !used.has(k));
  if (extra.length)
    throw inputError(
      `OME-Zarr axes ${described}: axis ${extra.map((a) => a.name).join(", ")} is not supported`,
      label,
    );

  const { scale, translation } = compose(
    [...(level.coordinateTransformations ?? []), ...(ms.coordinateTransformations ?? [])],
    n,
    label,
  );
  const dims: Vec3 = [arr.shape[ax.x], arr.shape[ax.y], arr.shape[ax.z]];
  const steps = ax.t < 0 ? 1 : arr.shape[ax.t];
  const spacing = [scale[ax.x], scale[ax.y], scale[ax.z]] as Vec3;
  if (spacing.some((s) => !(s > 0)))
    throw inputError(`OME-Zarr scale (${spacing.join(", ")}) must be positive`, label);
  const origin = [0, 1, 2].map(
    (i) => [translation[ax.x], translation[ax.y], translation[ax.z]][i] - spacing[i] / 2,
  ) as Vec3;
  const notes: string[] = [
    `OME-Zarr multiscales level '${level.path}' (${(ms.datasets?.length ?? 1) - 1} coarser levels not used); voxel centres at index·scale + translation`,
  ];
  const spaceUnits = new Set([ax.x, ax.y, ax.z].map((k) => axes[k].unit).filter((u): u is string => !!u));
  if (spaceUnits.size > 1) notes.push(`space axes have different units (${[...spaceUnits].join(", ")})`);

  let times: number[] | undefined;
  let timeUnits: string | undefined;
  if (ax.t >= 0) {
    times = Array.from({ length: steps }, (_, i) => i * scale[ax.t] + translation[ax.t]);
    timeUnits = axes[ax.t].unit;
  }

  // Channels → fields.
  const nc = ax.c < 0 ? 1 : arr.shape[ax.c];
  let names = ax.c < 0 ? ["value"] : channelNames(attrs, nc);
  if (nc === 1 && ax.c >= 0 && names[0] === "c0") names = ["value"];
  let channels = names.map((_, i) => i);
  if (opts.channel !== undefined) {
    const byLabel = names.indexOf(opts.channel);
    const idx = byLabel >= 0 ? byLabel : /^\d+$/.test(opts.channel) ? Number(opts.channel) : -1;
    if (idx < 0 || idx >= nc)
      throw inputError(
        `no channel '${opts.channel}' (has: ${names.map((nm, i) => `${i} ${nm}`).join(", ")})`,
        label,
      );
    channels = [idx];
  }
  const kind = opts.kind ?? "scalar";
  const src = sourceType(arr, where);
  await probe(arr, ax, where);
  // Images have no no-data convention: values as stored (the array's fill_value is not no data).
  const dec = zarrDecoding(arr, where, kind, false);
  const variables: InputVariable[] = channels.map((c) => ({
    name: names[c],
    file: ax.c < 0 ? where : `${where} channel ${c}`,
    dims,
    steps,
    dtype: dec.dtype,
    kind,
    sourceBytes: src.size,
    ...(dec.fill !== undefined ? { fill: dec.fill } : {}),
    read: async (t, z0, nz, y0, ny) => {
      try {
        const raw = await readHyperslab(arr, ax, t, c, z0, nz, y0, ny);
        return dec.decode(raw as RawArray, `timestep ${t}, z ${z0}..${z0 + nz - 1}`);
      } catch (e) {
        if (isFlatvoxError(e)) throw e;
        throw inputError(
          `cannot read timestep ${t}, z ${z0}..${z0 + nz - 1}: ${(e as Error).message}`,
          where,
        );
      }
    },
  }));
  const { multiscales: _m, ome: _o, ...rest } = attrs;
  const attributes: Record<string, MetadataValue> = zarrAttributes(rest);
  if (ms.name) attributes.multiscaleName = ms.name;
  return {
    file: label,
    variables,
    ...(times ? { times } : {}),
    ...(timeUnits ? { timeUnits } : {}),
    grid: { origin, spacing, ...(spaceUnits.size === 1 ? { spaceUnits: [...spaceUnits][0] } : {}) },
    ...(Object.keys(attributes).length ? { attributes } : {}),
    notes,
  };
}
