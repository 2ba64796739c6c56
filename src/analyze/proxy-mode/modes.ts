/** kube-proxy mode values and the default that applies when none is written. */
import type { ModeValue, ProxyMode } from './types.js';

const MODES: readonly ProxyMode[] = ['iptables', 'ipvs', 'nftables', 'kernelspace'];

/** On Linux an empty `mode` means iptables (kube-proxy-config.v1alpha1; Windows: kernelspace). */
const LINUX_DEFAULT_MODE: ProxyMode = 'iptables';

/** Normalises a written mode. kube-proxy compares case-sensitively, so `IPVS` is unrecognised. */
export function modeValue(written: string | undefined): ModeValue {
  const w = (written ?? '').trim();
  if (w === '') return { mode: LINUX_DEFAULT_MODE, written: w, defaulted: true };
  const known = MODES.find((m) => m === w);
  return { mode: known ?? 'unrecognised', written: w, defaulted: false };
}

export function isProxyMode(s: string): s is ProxyMode {
  return (MODES as readonly string[]).includes(s);
}

/** Parses a Kubernetes version (`v1.33.1`, `v1.31.4-eks-abc`, `1.30+`) into [major, minor]. */
function minorVersion(v: string | undefined): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function versionAtLeast(v: string | undefined, major: number, minor: number): boolean | undefined {
  const mv = minorVersion(v);
  if (!mv) return undefined;
  return mv[0] > major || (mv[0] === major && mv[1] >= minor);
}
