/** Dotted-quad IPv4 text without a parser: pod, node and rule lists hold many addresses, and a regex per one costs. */

/**
 * A dotted-quad IPv4 address (four decimal octets of 1–3 digits, each at most 255; leading zeros allowed, as the API
 * server accepts them in objects created before Kubernetes 1.33) as an unsigned 32-bit number; undefined otherwise.
 */
export function ipv4Int(s: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + part;
}
