/**
 * Chain and set names exactly as kube-proxy derives them.
 * iptables mode: pkg/proxy/iptables/proxier.go (portProtoHash, servicePortEndpointChainName).
 * nftables mode: pkg/proxy/nftables/proxier.go (hashAndTruncate, servicePortChainNameBase,
 * servicePortEndpointChainNameBase).
 */
import { createHash } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding) without padding; callers only keep a prefix. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

const sha256Base32 = (text: string): string => base32(createHash('sha256').update(text).digest());

/** `ns/svc:port`, or `ns/svc` for an unnamed port (proxy.ServicePortName.String()). */
export function servicePortName(namespace: string, name: string, port: string | undefined): string {
  return port ? `${namespace}/${name}:${port}` : `${namespace}/${name}`;
}

/** Endpoint string as kube-proxy prints it (net.JoinHostPort): `ip:port`, `[v6]:port`. */
export function endpointString(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The 16-character hash shared by KUBE-SVC/SVL/EXT/FW chains of one service port. */
function portProtoHash(svcPortName: string, protocol: string): string {
  return sha256Base32(svcPortName + protocol.toLowerCase()).slice(0, 16);
}

export type IptablesServiceChainKind = 'SVC' | 'SVL' | 'EXT' | 'FW';

/** KUBE-SVC-…, KUBE-SVL-…, KUBE-EXT-… or KUBE-FW-… for a service port. */
export function iptablesServiceChain(kind: IptablesServiceChainKind, svcPortName: string, protocol: string): string {
  return `KUBE-${kind}-${portProtoHash(svcPortName, protocol)}`;
}

/** KUBE-SEP-… for one endpoint of a service port; `endpoint` is `ip:port` (endpointString). */
export function iptablesEndpointChain(svcPortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${sha256Base32(svcPortName + protocol.toLowerCase() + endpoint).slice(0, 16)}`;
}

/** knftables.NameLengthMax (256) minus kube-proxy's longest prefix budget (16). */
const NFT_CHAIN_BASE_MAX = 256 - 16;

/** `HASH8-name`, truncated with `...` like kube-proxy's hashAndTruncate. */
export function hashAndTruncate(name: string): string {
  const full = `${sha256Base32(name).slice(0, 8)}-${name}`;
  return full.length > NFT_CHAIN_BASE_MAX ? `${full.slice(0, NFT_CHAIN_BASE_MAX - 3)}...` : full;
}

/** `HASH8-ns/svc/proto/port` (port name may be empty: `ns/svc/tcp/`). */
export function nftServiceChainBase(namespace: string, name: string, protocol: string, portName: string | undefined): string {
  return hashAndTruncate(`${namespace}/${name}/${protocol.toLowerCase()}/${portName ?? ''}`);
}

/** `HASH8-ns/svc/proto/port__ip/port`; IPv6 colons become dots as in upstream. */
export function nftEndpointChainBase(
  namespace: string,
  name: string,
  protocol: string,
  portName: string | undefined,
  ip: string,
  port: number,
): string {
  const safeIp = ip.replaceAll(':', '.');
  return hashAndTruncate(`${namespace}/${name}/${protocol.toLowerCase()}/${portName ?? ''}__${safeIp}/${port}`);
}
