/**
 * Milliseconds to wait from a `Retry-After` header: delay-seconds or an HTTP date. Anything else
 * (or nothing) is undefined: use the normal backoff.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
