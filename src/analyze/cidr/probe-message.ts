/**
 * Reads the service CIDR out of the apiserver's answer to a dry-run Service create with an
 * out-of-range clusterIP. Every message variant seen since 1.8 ends with
 * "The range of valid IPs is <CIDR>"; newer apiservers (MultiCIDRServiceAllocator, upstream main)
 * drop the range, and a full range says "range is full": those are answers without a CIDR.
 */
import { parseCidrList } from './ipmath.js';

export type ProbeAnswer =
  | { kind: 'range'; cidrs: string[] }
  /** The apiserver rejected the IP but did not say the range (newer versions, or ≤1.7). */
  | { kind: 'no-range'; reason: string }
  /** The message is not the out-of-range rejection at all (webhook, RBAC, full range, …). */
  | { kind: 'unrecognised'; reason: string };

const RANGE = /valid IPs is\s+(\S+?)[.,;]?\s*$/m;
const NOT_IN_RANGE = /(not in the valid range|does not match the current range)/i;

export function parseProbeMessage(message: string): ProbeAnswer {
  const m = RANGE.exec(message);
  if (m?.[1]) {
    const { cidrs, invalid } = parseCidrList(m[1]);
    if (cidrs.length > 0 && invalid.length === 0) return { kind: 'range', cidrs: cidrs.map((c) => c.text) };
    return { kind: 'unrecognised', reason: `the message names a range that is not a CIDR: "${m[1]}"` };
  }
  if (/range is full/i.test(message)) {
    return { kind: 'unrecognised', reason: 'the apiserver says the service range is full (it did not name it)' };
  }
  if (NOT_IN_RANGE.test(message)) {
    return { kind: 'no-range', reason: 'the apiserver rejected the address without naming the range (newer apiservers hide it)' };
  }
  return { kind: 'unrecognised', reason: 'not the out-of-range rejection this probe looks for' };
}
