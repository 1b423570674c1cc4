/**
 * Which failures mean "the server is unreachable" (serve from cache, go
 * offline) as opposed to "the server answered no" (4xx, bad ranges: report).
 */
import { isFlatvoxError } from "../shared/errors";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * True for connection failures (fetch's TypeError, socket errors), HTTP
 * errors without a status or with a 5xx status, and flatvox errors whose
 * context says `network: true`. False for aborts, 4xx and format errors.
 */
export function isNetworkError(e: unknown, depth = 0): boolean {
  if (typeof e !== "object" || e === null || depth > 4) return false;
  if (isFlatvoxError(e)) {
    if (e.context?.network === true) return true;
    if (e.tag !== "HttpError") return false;
    const status = e.context?.status;
    return status === undefined || status === 0 || status >= 500;
  }
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  if ((e as { name?: unknown }).name === "AbortError") return false;
  // fetch() rejects with a TypeError when the network fails (Node's undici wraps the socket error as its cause).
  if (e instanceof TypeError) return true;
  return isNetworkError((e as { cause?: unknown }).cause, depth + 1);
}
