/**
 * Probes one node over any transport: runs the catalogue commands a plan asks for (most of them in two
 * batched execs, probe/batch.ts) and returns the NodeCapture (raw dumps, CNI files, probe metadata). A
 * command that fails is recorded with its exit code and stderr, and listed in probe.errors; only the
 * transport itself failing throws.
 */
import { decodeDumpStdout, encodeGzipBase64 } from '../snapshot/dump-encoding.js';
import { redactArgs, redactText } from '../snapshot/redact.js';
import type { CaptureGap, DumpKey, DumpResult, NodeCapture, Redaction } from '../snapshot/types.js';
import { chooseIptablesBackend, type BackendChoice } from './backend.js';
import {
  BACKEND_PROBES,
  CNI_FILES_ARGV,
  compressedArgv,
  CONNTRACK_ALL,
  conntrackFiltered,
  hostBinariesArgv,
  hostFilesArgv,
  HOST_RESOLV_CONFS,
  iptablesCommands,
  IPVS_COMMAND,
  isSafeIfname,
  KUBELET_CONFIG_DEFAULT,
  KUBE_PROXY_BUILD_COMMAND,
  KUBE_PROXY_CONFIGZ_COMMAND,
  kubeletCmdlineArgv,
  NFT_LIST_CHAINS,
  NFT_LIST_TABLES,
  nftListTable,
  POD_RESOLV_CONF,
  processCmdlineArgv,
  processFilesArgv,
  PROXY_MODE_COMMAND,
  STATIC_COMMANDS,
  sysctlArgv,
  type CatalogueCommand,
} from './catalogue.js';
import { assembleNftDocument, coveredBySave, listedTables, nftItems, type NftTableRef } from './nft-native.js';
import { dedupeConntrack, linkNames, parseFileListing } from './outputs.js';
import { CommandTimeout, type Transport } from './transport.js';
import { batchArgv, batchNonce, parseBatch } from './batch.js';
import { isNetxError } from '../util/errors.js';
import { parseKubeletArgs, parseKubeletConfig } from '../parse/kubelet-config.js';
import { parseKubeProxyArgs } from '../parse/kube-proxy-flags.js';

export interface NodeProbeRequest {
  /** Dump keys wanted; empty = the whole catalogue (what `collect` captures). */
  dumps: readonly DumpKey[];
  /** Filter conntrack in the kernel to these addresses; omitted = the whole table. */
  conntrackAddresses?: readonly string[];
  /** Run the node's own binaries (`chroot /host`) instead of the image's. */
  hostBinaries?: boolean;
  /**
   * Where the node's root filesystem and process table are visible to the commands ('' = they run on
   * the node's own /: local transport, or chrooted with --host-binaries); undefined = not visible
   * (kubelet command line, kubelet config and the node's resolv.conf are then not read).
   */
  hostRoot?: string;
  commandTimeoutMs?: number;
  /**
   * Whether the node's CNI directory is visible to the commands: 'read' (mounted, or the node's own
   * filesystem), or why not (the node has no such directory: nothing is read, and the reason is
   * recorded instead of an empty listing).
   */
  cni?: 'read' | { absent: string };
  /** Called before each command (progress). */
  onCommand?: (key: string) => void;
  now?: () => Date;
}

const NETFILTER_KEYS = ['iptables', 'ip6tables', 'iptables-nft', 'iptables-legacy', 'nft'];

export async function probeNode(transport: Transport, req: NodeProbeRequest): Promise<NodeCapture> {
  const wanted = (key: string): boolean => req.dumps.length === 0 || req.dumps.includes(key);
  const dumps: Record<string, DumpResult> = {};
  const errors: CaptureGap[] = [];
  const redactions: Redaction[] = [];
  const startedAt = (req.now ?? (() => new Date()))().toISOString();
  // Every command runs once: read by a batch or on its own, the code below asks for it as if it ran alone.
  const ran = new Map<string, DumpResult>();
  const exec: Exec = async (argv, compress, key, inContainer = false) => {
    const k = batchKey({ argv, compress, inContainer });
    const hit = ran.get(k);
    if (hit) return hit;
    req.onCommand?.(key);
    const full = compress ? compressedArgv(argv) : [...argv];
    const r = await transport.exec(req.hostBinaries && !inContainer ? hostBinariesArgv(full) : full, { timeoutMs: req.commandTimeoutMs });
    const d = { ...r, argv: [...argv], ...(compress ? { encoding: 'gzip+base64' as const } : {}) };
    ran.set(k, d);
    return d;
  };
  const prefetch = async (commands: Planned[]): Promise<void> => {
    // Commands that must run in the probe container stay out of a batch chrooted into the node.
    const mine = commands.filter((c) => !(c.inContainer && req.hostBinaries) && !ran.has(batchKey(c)));
    if (mine.length < 2) return;
    req.onCommand?.(`${mine.length} dumps`);
    for (const [k, d] of await runBatch(transport, mine, req)) ran.set(k, d);
  };
  const record = (key: string, d: DumpResult): DumpResult => {
    dumps[key] = d;
    if (d.exitCode !== 0) errors.push(gapOf(key, d));
    return d;
  };
  const run = async (c: CatalogueCommand): Promise<DumpResult> => record(c.key, await exec(c.argv, c.compress, c.key));

  // Two execs read nearly everything the steps below ask for: what needs nothing first, then what follows from it.
  await prefetch(independentCommands(req, wanted, transport.kind));
  await prefetch(await dependentCommands(req, wanted, exec));
  for (const c of staticCommands(wanted)) await run(c);
  if (wanted(IPVS_COMMAND.key)) await run(IPVS_COMMAND);

  let backendNote: BackendChoice | undefined;
  if (NETFILTER_KEYS.some(wanted)) {
    const nftMangle = await exec(BACKEND_PROBES.nf_tables, false, 'iptables-backend');
    const legacyMangle = await exec(BACKEND_PROBES.legacy, false, 'iptables-backend');
    const choice = chooseIptablesBackend(nftMangle, legacyMangle);
    backendNote = choice;
    for (const c of iptablesCommands(choice.backend)) await run(c);
    if (wanted('nft')) record('nft', await nftDump(exec, dumps, choice.backend).catch(slowNft));
  }

  for (const c of conntrackCommands(req.conntrackAddresses, wanted)) {
    const d = await exec(c.argv, true, c.key);
    const text = c.filtered ? decodeDumpStdout(d) : undefined;
    // One entry can match several filters (its source and its destination): kept once.
    record(c.key, text?.kind === 'text' ? { ...d, stdout: encodeGzipBase64(dedupeConntrack(text.text)) } : d);
  }

  if (wanted('sysctl')) {
    const names = ifnamesOf(dumps['link']);
    const unsafe = names.filter((n) => !isSafeIfname(n));
    if (unsafe.length) {
      const shown = unsafe.slice(0, 5).map((n) => JSON.stringify(n)).join(', ');
      errors.push({ what: 'sysctl', reason: `interface name(s) ${shown}${unsafe.length > 5 ? ` and ${unsafe.length - 5} more` : ''} cannot be read safely as sysctl keys: their rp_filter and forwarding were not read`, code: 'unsupported' });
    }
    await run({ key: 'sysctl', argv: sysctlArgv(names), compress: false, why: '' });
  }
  // Unreachable metrics (kube-proxy absent, bound elsewhere) is an answer, not a probe error.
  for (const c of PROXY_COMMANDS) {
    if (wanted(c.key)) dumps[c.key] = await exec(c.argv, false, c.key);
  }
  // CNI configuration is small and every analysis that sees a node may need it (model.cni): always read.
  let files = await cniFiles(exec, req.cni ?? 'read', errors, redactions);
  // The kubelet wrote the debug pod's own resolv.conf: its clusterDNS and search path, no host access needed.
  if (transport.kind === 'debug-pod') dumps[POD_RESOLV_CONF.key] = await exec(POD_RESOLV_CONF.argv, false, POD_RESOLV_CONF.key, true);
  if (req.hostRoot !== undefined) {
    const dns = await kubeletDnsFiles(exec, req.hostRoot, dumps, errors);
    if (Object.keys(dns).length) files = { ...files, ...redactFiles(dns, redactions) };
    if (dumps['kubelet-cmdline']) dumps['kubelet-cmdline'] = redactCmdline(dumps['kubelet-cmdline'], redactions);
    if (wanted('proxyMode') || wanted(KUBE_PROXY_CMDLINE)) {
      const kp = await kubeProxyProcess(exec, req.hostRoot, dumps, errors);
      if (Object.keys(kp).length) files = { ...files, ...redactFiles(kp, redactions) };
      if (dumps[KUBE_PROXY_CMDLINE]) dumps[KUBE_PROXY_CMDLINE] = redactCmdline(dumps[KUBE_PROXY_CMDLINE], redactions, KUBE_PROXY_CMDLINE);
    }
  }
  const described = transport.describe();
  return {
    dumps,
    ...(files ? { files } : {}),
    ...(redactions.length ? { redactions } : {}),
    probe: { ...described, startedAt, ...(backendNote ? { iptablesBackend: backendNote } : {}), ...(errors.length ? { errors } : {}) },
  };
}

/** Why a file of the CNI directory is listed by name only. */
const CNI_NOT_READ = 'not read: not a CNI network configuration (.conf, .conflist, .json); such files hold credentials (calico-kubeconfig, multus.kubeconfig)';

/** The CNI directory's configurations, credentials masked; other files recorded by name as left unread. */
async function cniFiles(exec: Exec, cni: NonNullable<NodeProbeRequest['cni']>, errors: CaptureGap[], redactions: Redaction[]): Promise<Record<string, string> | undefined> {
  if (cni !== 'read') {
    errors.push({ what: 'CNI files', reason: cni.absent, code: 'not-found' });
    return undefined;
  }
  const d = await exec(CNI_FILES_ARGV, false, 'cni');
  if (d.exitCode !== 0) {
    errors.push(gapOf('CNI files', d));
    return undefined;
  }
  const listing = parseFileListing(d.stdout);
  if (listing.absent) {
    errors.push({ what: 'CNI files', reason: `${listing.absent} does not exist on the node: no CNI configuration was read`, code: 'not-found' });
    return undefined;
  }
  for (const path of listing.skipped) redactions.push({ source: path, kind: 'file', at: CNI_NOT_READ });
  if (listing.unreadable.length) {
    const why = d.stderr.trim().split('\n')[0];
    errors.push({ what: 'CNI files', reason: `could not read ${listing.unreadable.join(', ')}${why ? `: ${why}` : ''}`, code: 'failed' });
  }
  return redactFiles(listing.files, redactions);
}

function redactFiles(files: Record<string, string>, redactions: Redaction[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files).map(([path, text]) => {
      const r = redactText(text, path);
      redactions.push(...r.redactions);
      return [path, r.text];
    }),
  );
}

/** A daemon's command line is one argument a line: flags carrying credentials lose their value. */
function redactCmdline(d: DumpResult, redactions: Redaction[], key = 'kubelet-cmdline'): DumpResult {
  const lines = d.stdout.split('\n');
  const r = redactArgs(lines, `dump ${key}`);
  redactions.push(...r.redactions);
  return r.redactions.length ? { ...d, stdout: r.args.join('\n') } : d;
}

type Exec = (argv: readonly string[], compress: boolean, key: string, inContainer?: boolean) => Promise<DumpResult>;

/**
 * The kubelet's command line (dump `kubelet-cmdline`), then its config file (`--config`; the kubeadm
 * path when no kubelet process is visible) and the resolv.conf files it may use (its `resolvConf` or
 * `--resolv-conf`, the default, systemd-resolved's): path → content, the files that exist.
 */
async function kubeletDnsFiles(exec: Exec, root: string, dumps: Record<string, DumpResult>, errors: CaptureGap[]): Promise<Record<string, string>> {
  const cmd = await exec(kubeletCmdlineArgv(root), false, 'kubelet-cmdline');
  dumps['kubelet-cmdline'] = cmd;
  if (cmd.exitCode !== 0) errors.push(gapOf('kubelet-cmdline', cmd));
  const { config, first } = kubeletFiles(cmd);
  const read = async (paths: string[]): Promise<Record<string, string>> => {
    const d = await exec(hostFilesArgv(root, paths), false, 'host-files');
    if (d.exitCode !== 0) errors.push(gapOf('host files', d));
    return d.exitCode === 0 ? parseFileListing(d.stdout).files : {};
  };
  const files = await read(first);
  let resolvConf: string | undefined;
  try {
    resolvConf = config && files[config] !== undefined ? parseKubeletConfig(files[config], { source: config }).value.resolvConf : undefined;
  } catch {
    resolvConf = undefined; // an unreadable config is the analysis's finding, not a probe error
  }
  if (resolvConf && !(resolvConf in files) && !first.includes(resolvConf)) Object.assign(files, await read([resolvConf]));
  return files;
}

/** Dump key of kube-proxy's command line (with a view of the node: --local-node, --host-binaries). */
const KUBE_PROXY_CMDLINE = 'kube-proxy-cmdline';

/**
 * kube-proxy's command line (dump `kube-proxy-cmdline`; empty when no process is named kube-proxy)
 * and its --config file as the process sees it (a containerised kube-proxy's own mount namespace):
 * path → content. Read with the kubelet's, for kube-proxy run as a host process (no pod to read).
 */
async function kubeProxyProcess(exec: Exec, root: string, dumps: Record<string, DumpResult>, errors: CaptureGap[]): Promise<Record<string, string>> {
  const cmd = await exec(processCmdlineArgv(root, 'kube-proxy'), false, KUBE_PROXY_CMDLINE);
  dumps[KUBE_PROXY_CMDLINE] = cmd;
  if (cmd.exitCode !== 0) {
    errors.push(gapOf(KUBE_PROXY_CMDLINE, cmd));
    return {};
  }
  const config = kubeProxyConfigPath(cmd);
  if (!config) return {};
  const d = await exec(processFilesArgv(root, 'kube-proxy', [config]), false, 'kube-proxy-config');
  if (d.exitCode !== 0) errors.push(gapOf('kube-proxy config file', d));
  return d.exitCode === 0 ? parseFileListing(d.stdout).files : {};
}

/**
 * nft reading a big iptables-nft ruleset is slow, not wedged: nft 1.0.6 took minutes for `nft -j list tables` over a
 * real kube-proxy's 10,000 services (64,000 chains) where iptables-save took 2.4 s. Its timeout costs the nft dump
 * (native tables become a gap, named with the limit), not the node's other dumps; a node whose reads really hang
 * times out again on the next command, which ends its probe as any other timeout does.
 */
function slowNft(e: unknown): DumpResult {
  if (!(e instanceof CommandTimeout)) throw e;
  return { argv: [...e.argv], stdout: '', stderr: e.message, exitCode: 124 };
}

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

/** A command the probe may batch: `inContainer` runs in the probe container even with --host-binaries. */
interface Planned {
  argv: readonly string[];
  compress: boolean;
  inContainer?: boolean;
}

const batchKey = (c: Planned): string => JSON.stringify([c.argv, c.compress, c.inContainer ?? false]);

/**
 * Runs commands as one exec (probe/batch.ts), keyed by batchKey. A batch that cannot run or is cut
 * short (its deadline is one command's) yields what completed; the rest runs one by one, as if never
 * batched, so every failure still surfaces from the command that has it.
 */
async function runBatch(transport: Transport, commands: Planned[], req: NodeProbeRequest): Promise<Map<string, DumpResult>> {
  const nonce = batchNonce();
  const argv = batchArgv(commands, nonce);
  let out: DumpResult;
  try {
    out = await transport.exec(req.hostBinaries ? hostBinariesArgv(argv) : argv, { timeoutMs: req.commandTimeoutMs });
  } catch (e) {
    if (isNetxError(e)) return new Map();
    throw e;
  }
  const results = parseBatch(commands, nonce, out);
  return new Map([...results].map(([i, d]) => [batchKey(commands[i]!), d]));
}

/** What the probe runs that depends on nothing it reads first, in the order it records them. */
function independentCommands(req: NodeProbeRequest, wanted: (key: string) => boolean, transport: Transport['kind']): Planned[] {
  const out: Planned[] = staticCommands(wanted);
  if (wanted(IPVS_COMMAND.key)) out.push(IPVS_COMMAND);
  if (NETFILTER_KEYS.some(wanted)) out.push({ argv: BACKEND_PROBES.nf_tables, compress: false }, { argv: BACKEND_PROBES.legacy, compress: false });
  out.push(...conntrackCommands(req.conntrackAddresses, wanted).map((c) => ({ argv: c.argv, compress: true })));
  out.push(...PROXY_COMMANDS.filter((c) => wanted(c.key)));
  if ((req.cni ?? 'read') === 'read') out.push({ argv: CNI_FILES_ARGV, compress: false });
  if (transport === 'debug-pod') out.push({ ...POD_RESOLV_CONF, inContainer: true });
  if (req.hostRoot !== undefined) {
    out.push({ argv: kubeletCmdlineArgv(req.hostRoot), compress: false });
    if (wanted('proxyMode') || wanted(KUBE_PROXY_CMDLINE)) out.push({ argv: processCmdlineArgv(req.hostRoot, 'kube-proxy'), compress: false });
  }
  return out;
}

/** The commands that follow from the independent ones' answers (read from the batch: no exec). */
async function dependentCommands(req: NodeProbeRequest, wanted: (key: string) => boolean, exec: Exec): Promise<Planned[]> {
  const out: Planned[] = [];
  if (NETFILTER_KEYS.some(wanted)) {
    const choice = chooseIptablesBackend(await exec(BACKEND_PROBES.nf_tables, false, 'iptables-backend'), await exec(BACKEND_PROBES.legacy, false, 'iptables-backend'));
    out.push(...iptablesCommands(choice.backend));
  }
  if (wanted('sysctl')) out.push({ argv: sysctlArgv(ifnamesOf(await exec(STATIC_LINK.argv, STATIC_LINK.compress, 'link'))), compress: false });
  if (req.hostRoot !== undefined) {
    out.push({ argv: hostFilesArgv(req.hostRoot, kubeletFiles(await exec(kubeletCmdlineArgv(req.hostRoot), false, 'kubelet-cmdline')).first), compress: false });
    if (wanted('proxyMode') || wanted(KUBE_PROXY_CMDLINE)) {
      const config = kubeProxyConfigPath(await exec(processCmdlineArgv(req.hostRoot, 'kube-proxy'), false, KUBE_PROXY_CMDLINE));
      if (config) out.push({ argv: processFilesArgv(req.hostRoot, 'kube-proxy', [config]), compress: false });
    }
  }
  return out;
}

const STATIC_LINK = STATIC_COMMANDS.find((c) => c.key === 'link')!;

/** The fixed-argv dumps wanted; the link dump also when sysctls are (their per-interface keys come from it). */
const staticCommands = (wanted: (key: string) => boolean): CatalogueCommand[] => STATIC_COMMANDS.filter((c) => wanted(c.key) || (c.key === 'link' && wanted('sysctl')));

/** kube-proxy's own answers over loopback (mode, configz, build): answers, not probe errors, when it is absent. */
const PROXY_COMMANDS: readonly CatalogueCommand[] = [PROXY_MODE_COMMAND, KUBE_PROXY_CONFIGZ_COMMAND, KUBE_PROXY_BUILD_COMMAND];

/** conntrack per family: the whole table, or filtered in the kernel to the plan's addresses. */
interface ConntrackCommand {
  key: 'conntrack' | 'conntrack-ipv6';
  argv: readonly string[];
  filtered: boolean;
}

function conntrackCommands(addrs: readonly string[] | undefined, wanted: (key: string) => boolean): ConntrackCommand[] {
  if (!wanted('conntrack') && !wanted('conntrack-ipv6')) return [];
  return (['ipv4', 'ipv6'] as const).flatMap((family): ConntrackCommand[] => {
    const key = family === 'ipv4' ? 'conntrack' : 'conntrack-ipv6';
    if (addrs === undefined) return [{ key, argv: CONNTRACK_ALL[key], filtered: false }];
    const mine = addrs.filter((a) => (family === 'ipv6') === a.includes(':'));
    return mine.length ? [{ key, argv: conntrackFiltered(family, mine), filtered: true }] : [];
  });
}

/** Interface names from the link dump (none when it failed or cannot be decoded). */
function ifnamesOf(link: DumpResult | undefined): string[] {
  const text = link && link.exitCode === 0 ? decodeDumpStdout(link) : undefined;
  return text?.kind === 'text' ? linkNames(text.text) : [];
}

/** The kubelet's config file (its --config, else kubeadm's path) and the files read first: it and the resolv.confs it may use. */
function kubeletFiles(cmd: DumpResult): { config: string | undefined; first: string[] } {
  const args = cmd.exitCode === 0 ? cmd.stdout.split('\n').filter((a) => a !== '') : [];
  const flags = parseKubeletArgs(args).value;
  const config = args.length ? flags.config : KUBELET_CONFIG_DEFAULT;
  return { config, first: [...new Set([...(config ? [config] : []), ...(flags.resolvConf ? [flags.resolvConf] : []), ...HOST_RESOLV_CONFS])] };
}

const kubeProxyConfigPath = (cmd: DumpResult): string | undefined =>
  cmd.exitCode === 0 ? parseKubeProxyArgs(cmd.stdout.split('\n').filter((a) => a !== ''), KUBE_PROXY_CMDLINE).flags.configPath : undefined;

function gapOf(what: string, d: DumpResult): CaptureGap {
  const why = d.stderr.trim().split('\n')[0] || `exit code ${d.exitCode}`;
  return { what, reason: `${d.argv.join(' ')} exited ${d.exitCode}: ${why}`, code: d.exitCode === 127 ? 'missing-tool' : d.exitCode === 124 ? 'timeout' : 'failed' };
}
