/** Turns the argument of openDataset into a ByteSource: URLs and paths go through the io layer's factory. */
import type { ByteSource } from "../io/byte-source";

export async function resolveSource(source: ByteSource | string): Promise<ByteSource> {
  if (typeof source !== "string") return source;
  const { createSource } = await import("../io/create-source");
  return createSource(source);
}
