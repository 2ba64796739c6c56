/**
 * Probes one node over any transport: runs the catalogue commands a plan asks for and returns the
 * NodeCapture (raw dumps, CNI files, probe metadata). A command that fails is recorded with its exit
 * code and stderr, and listed in probe.errors; only the transport itself failing throws.
 */
import { decodeDumpStdout, encodeGzipBase64 } from '../snapshot/dump-encoding.js';
import type { CaptureGap, DumpKey, DumpResult, NodeCapture } from '../snapshot/types.js';
import { chooseIptablesBackend, type BackendChoice } from './backend.js';
import {
  BACKEND_PROBES,
  CNI_FILES_ARGV,
  compressedArgv,
  CONNTRACK_ALL,
  conntrackFiltered,
  hostBinariesArgv,
  iptablesCommands,
  NFT_LIST_CHAINS,
  NFT_LIST_TABLES,
  nftListTable,
  PROXY_MODE_COMMAND,
  STATIC_COMMANDS,
  sysctlArgv,
  type CatalogueCommand,
} from './catalogue.js';
import { assembleNftDocument, coveredBySave, listedTables, nftItems, type NftTableRef } from './nft-native.js';
import { dedupeConntrack, linkNames, parseFileListing } from './outputs.js';
import type { Transport } from './transport.js';

export interface NodeProbeRequest {
  /** Dump keys wanted; empty = the whole catalogue (what `collect` captures). */
  dumps: readonly DumpKey[];
  /** Filter conntrack in the kernel to these addresses; omitted = the whole table. */
  conntrackAddresses?: readonly string[];
  /** Run the node's own binaries (`chroot /host`) instead of the image's. */
  hostBinaries?: boolean;
  commandTimeoutMs?: number;
  /** Called before each command (progress). */
  onCommand?: (key: string) => void;
  now?: () => Date;
}

const NETFILTER_KEYS = ['iptables', 'ip6tables', 'iptables-nft', 'iptables-legacy', 'nft'];

export async function probeNode(transport: Transport, req: NodeProbeRequest): Promise<NodeCapture> {
  const wanted = (key: string): boolean => req.dumps.length === 0 || req.dumps.includes(key);
  const dumps: Record<string, DumpResult> = {};
  const errors: CaptureGap[] = [];
  const startedAt = (req.now ?? (() => new Date()))().toISOString();
  const exec = async (argv: readonly string[], compress: boolean, key: string): Promise<DumpResult> => {
    req.onCommand?.(key);
    const ran = compress ? compressedArgv(argv) : [...argv];
    const r = await transport.exec(req.hostBinaries ? hostBinariesArgv(ran) : ran, { timeoutMs: req.commandTimeoutMs });
    return { ...r, argv: [...argv], ...(compress ? { encoding: 'gzip+base64' as const } : {}) };
  };
  const record = (key: string, d: DumpResult): DumpResult => {
    dumps[key] = d;
    if (d.exitCode !== 0) errors.push(gapOf(key, d));
    return d;
  };
  const run = async (c: CatalogueCommand): Promise<DumpResult> => record(c.key, await exec(c.argv, c.compress, c.key));

  for (const c of STATIC_COMMANDS) if (wanted(c.key) || (c.key === 'link' && wanted('sysctl'))) await run(c);

  let backendNote: BackendChoice | undefined;
  if (NETFILTER_KEYS.some(wanted)) {
    const nftMangle = await exec(BACKEND_PROBES.nf_tables, false, 'iptables-backend');
    const legacyMangle = await exec(BACKEND_PROBES.legacy, false, 'iptables-backend');
    const choice = chooseIptablesBackend(nftMangle, legacyMangle);
    backendNote = choice;
    for (const c of iptablesCommands(choice.backend)) await run(c);
    if (wanted('nft')) record('nft', await nftDump(exec, dumps, choice.backend));
  }

  if (wanted('conntrack') || wanted('conntrack-ipv6')) {
    const addrs = req.conntrackAddresses;
    for (const [key, family] of [['conntrack', 'ipv4'], ['conntrack-ipv6', 'ipv6']] as const) {
      if (addrs === undefined) {
        await run({ key, argv: CONNTRACK_ALL[key], compress: true, why: '' });
        continue;
      }
      const mine = addrs.filter((a) => (family === 'ipv6') === a.includes(':'));
      if (mine.length === 0) continue;
      const d = await exec(conntrackFiltered(family, mine), true, key);
      const text = decodeDumpStdout(d);
      record(key, text.kind === 'text' ? { ...d, stdout: encodeGzipBase64(dedupeConntrack(text.text)) } : d);
    }
  }

  if (wanted('sysctl')) {
    const link = dumps['link'];
    const linkText = link && link.exitCode === 0 ? decodeDumpStdout(link) : undefined;
    await run({ key: 'sysctl', argv: sysctlArgv(linkText?.kind === 'text' ? linkNames(linkText.text) : []), compress: false, why: '' });
  }
  if (wanted('proxyMode')) {
    // Unreachable metrics (kube-proxy absent, bound elsewhere) is an answer, not a probe error.
    dumps['proxyMode'] = await exec(PROXY_MODE_COMMAND.argv, false, 'proxyMode');
  }
  // CNI configuration is small and every analysis that sees a node may need it (model.cni): always read.
  let files: Record<string, string> | undefined;
  const cni = await exec(CNI_FILES_ARGV, false, 'cni');
  if (cni.exitCode === 0) files = parseFileListing(cni.stdout);
  else errors.push(gapOf('CNI files', cni));
  const described = transport.describe();
  return {
    dumps,
    ...(files ? { files } : {}),
    probe: { ...described, startedAt, ...(backendNote ? { iptablesBackend: backendNote } : {}), ...(errors.length ? { errors } : {}) },
  };
}

type Exec = (argv: readonly string[], compress: boolean, key: string) => Promise<DumpResult>;

/** The native-tables nft dump (nft-native.ts); any failing step fails the dump, naming the step. */
async function nftDump(exec: Exec, dumps: Record<string, DumpResult>, backend: 'nf_tables' | 'legacy'): Promise<DumpResult> {
  const started = performance.now();
  const steps: string[][] = [[...NFT_LIST_TABLES]];
  const tables = await exec(NFT_LIST_TABLES, false, 'nft');
  if (tables.exitCode !== 0) return tables;
  const fail = (d: DumpResult, why: string): DumpResult => ({ ...tables, stdout: '', stderr: `${d.argv.join(' ')}: ${why}`, exitCode: d.exitCode || 1, steps });
  let tableItems;
  try {
    tableItems = nftItems(tables.stdout);
  } catch (e) {
    return fail(tables, (e as Error).message);
  }
  // iptables-nft tables are covered when the nf_tables saves show them.
  const saveText = (key: string): string | undefined => {
    const d = dumps[key];
    if (!d || d.exitCode !== 0) return undefined;
    const t = decodeDumpStdout(d);
    return t.kind === 'text' ? t.text : undefined;
  };
  const saves = backend === 'nf_tables' ? { ip: saveText('iptables'), ip6: saveText('ip6tables') } : { ip: saveText('iptables-nft') };
  const all = listedTables(tableItems);
  const covered = all.filter((t) => coveredBySave(t, saves));
  let chainItems: Record<string, unknown>[] = [];
  if (covered.length) {
    steps.push([...NFT_LIST_CHAINS]);
    const chains = await exec(NFT_LIST_CHAINS, true, 'nft');
    const text = decodeDumpStdout(chains);
    if (chains.exitCode !== 0 || text.kind !== 'text') return fail(chains, chains.stderr.trim() || 'undecodable output');
    try {
      chainItems = nftItems(text.text);
    } catch (e) {
      return fail(chains, (e as Error).message);
    }
  }
  const native = new Map<string, Record<string, unknown>[]>();
  for (const t of all.filter((x: NftTableRef) => !covered.includes(x))) {
    const argv = nftListTable(t.family, t.name);
    steps.push(argv);
    const d = await exec(argv, true, 'nft');
    const text = decodeDumpStdout(d);
    if (d.exitCode !== 0 || text.kind !== 'text') return fail(d, d.stderr.trim() || 'undecodable output');
    try {
      native.set(`${t.family} ${t.name}`, nftItems(text.text));
    } catch (e) {
      return fail(d, (e as Error).message);
    }
  }
  const doc = assembleNftDocument(tableItems, chainItems, covered, native);
  return {
    argv: [...NFT_LIST_TABLES],
    stdout: encodeGzipBase64(doc),
    stderr: '',
    exitCode: 0,
    durationMs: Math.round(performance.now() - started),
    encoding: 'gzip+base64',
    steps,
  };
}

function gapOf(what: string, d: DumpResult): CaptureGap {
  const why = d.stderr.trim().split('\n')[0] || `exit code ${d.exitCode}`;
  return { what, reason: `${d.argv.join(' ')} exited ${d.exitCode}: ${why}`, code: d.exitCode === 127 ? 'missing-tool' : d.exitCode === 124 ? 'timeout' : 'failed' };
}
