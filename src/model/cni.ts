/**
 * The CNI configuration a node's container runtime reads, as parse/cni/ reads it: the files, and which one
 * the runtime selects. Types only; the parsers produce them.
 */
import type { ParseError, ParseWarning } from '../util/parse-error.js';

export interface CniPlugin {
  type: string;
  /** The plugin's configuration object as written. */
  raw: Record<string, unknown>;
}

/** A network configuration (a conflist, or a single-plugin .conf wrapped into one). */
export interface CniConfig {
  kind: 'config';
  file: string;
  /** `conflist` when the file has `plugins`, `conf` for a single plugin. */
  format: 'conflist' | 'conf';
  name?: string;
  cniVersion?: string;
  plugins: CniPlugin[];
  /** The first plugin's type: the CNI that sets up pod networking. */
  primaryType?: string;
  /** IPAM plugin type of the first plugin (host-local, calico-ipam, ...). */
  ipamType?: string;
  /** Types of the plugins after the first (portmap, bandwidth, tuning, cilium-cni, ...). */
  chained: string[];
  /** Multus `delegates` (each itself a config). */
  delegates: CniConfig[];
}

/** An install-time template with `__PLACEHOLDER__` values; `config` is its shape with placeholders read as null. */
interface CniTemplate {
  kind: 'template';
  file: string;
  placeholders: string[];
  config: CniConfig;
}

/** flannel's /etc/kube-flannel/net-conf.json. */
export interface FlannelNetConf {
  kind: 'flannel-net-conf';
  file: string;
  network?: string;
  ipv6Network?: string;
  backendType?: string;
  enableNFTables?: boolean;
}

/** flannel's /run/flannel/subnet.env. */
export interface FlannelSubnetEnv {
  kind: 'flannel-subnet-env';
  file: string;
  network?: string;
  subnet?: string;
  ipv6Network?: string;
  ipv6Subnet?: string;
  mtu?: number;
  ipmasq?: boolean;
  vars: Record<string, string>;
}

export type CniFile = CniConfig | CniTemplate | FlannelNetConf | FlannelSubnetEnv;

export type CniSelection =
  | { kind: 'none'; dir?: string; ignored: string[] }
  | { kind: 'selected'; dir: string; path: string; config: CniFile; warnings: ParseWarning[]; candidates: string[]; ignored: string[] }
  /** The runtime's first file does not parse: the runtime fails the same way (pods stay ContainerCreating). */
  | { kind: 'invalid'; dir: string; path: string; error: ParseError; candidates: string[]; ignored: string[] };
