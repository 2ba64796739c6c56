/**
 * The fixed, read-only command catalogue: every command netx ever runs on a node, keyed by the
 * snapshot's dump keys. Nothing outside this file builds a node command line, so reviewing this
 * file (and test/probe/catalogue.test.ts, which rejects any mutating verb) reviews what runs on nodes.
 * The lab's dump step (test/lab/dump.ts) runs the same commands in its node namespaces.
 */
import type { DumpKey } from '../snapshot/types.js';

/** One catalogue command. `compress`: stdout is gzipped and base64-encoded on the node. */
export interface CatalogueCommand {
  key: DumpKey;
  argv: readonly string[];
  compress: boolean;
  why: string;
}

/** Commands whose argv never changes. Order is collection order. */
export const STATIC_COMMANDS: readonly CatalogueCommand[] = [
  { key: 'addr', argv: ['ip', '-j', 'addr', 'show'], compress: false, why: 'interface addresses' },
  { key: 'link', argv: ['ip', '-d', '-j', 'link', 'show'], compress: true, why: 'links with details (VXLAN, bridge ports, veth peers)' },
  { key: 'rule', argv: ['ip', '-j', 'rule', 'show'], compress: false, why: 'IPv4 policy routing rules' },
  { key: 'ip6-rule', argv: ['ip', '-6', '-j', 'rule', 'show'], compress: false, why: 'IPv6 policy routing rules' },
  { key: 'route', argv: ['ip', '-j', 'route', 'show', 'table', 'all'], compress: true, why: 'IPv4 routes of every table' },
  { key: 'ip6-route', argv: ['ip', '-6', '-j', 'route', 'show', 'table', 'all'], compress: true, why: 'IPv6 routes of every table' },
  { key: 'neigh', argv: ['ip', '-j', 'neigh', 'show'], compress: true, why: 'ARP/NDP neighbours' },
  { key: 'fdb', argv: ['bridge', '-j', 'fdb', 'show'], compress: true, why: 'bridge and VXLAN forwarding entries' },
  { key: 'ipset', argv: ['ipset', 'save'], compress: true, why: 'ipsets that iptables rules match (kube-proxy ipvs mode, Calico)' },
];

/**
 * ipvsadm loads the ip_vs module (it runs `modprobe ip_vs`) when IPVS is absent, and a probe never
 * changes a node: it runs only where the kernel already has IPVS, which /proc/net/ip_vs shows (the
 * module creates it in every network namespace). Absent: no virtual servers, said on stderr.
 */
const IPVS_PROC = '/proc/net/ip_vs';
export const IPVS_SCRIPT = 'if [ -e "$1" ]; then exec ipvsadm -Sn; fi; echo "netx: $1 absent: IPVS is not in the kernel, ipvsadm not run" >&2; exit 0';
export const IPVS_COMMAND: CatalogueCommand = {
  key: 'ipvs',
  argv: ['sh', '-c', IPVS_SCRIPT, 'sh', IPVS_PROC],
  compress: true,
  why: 'IPVS virtual servers (kube-proxy ipvs mode), only where IPVS is loaded; absent tool = not recorded as ipvs',
};

export type IptablesBackend = 'nf_tables' | 'legacy';

/**
 * Asking legacy iptables for a table by name (`-t mangle`) instantiates that table in the network
 * namespace when it does not exist yet (the lab's read-only test caught it): list it only when
 * /proc/net/ip_tables_names says it is there already.
 */
export const LEGACY_MANGLE_SCRIPT = 'if grep -qx mangle /proc/net/ip_tables_names 2>/dev/null; then exec iptables-legacy-save -t mangle; fi';

/** iptables-wrappers' check: kubelet's canary chains in the mangle table of each backend (facts §8). */
export const BACKEND_PROBES: Readonly<Record<IptablesBackend, readonly string[]>> = {
  nf_tables: ['iptables-nft-save', '-t', 'mangle'],
  legacy: ['sh', '-c', LEGACY_MANGLE_SCRIPT],
};

/**
 * Netfilter saves once the backend is known: `iptables`/`ip6tables` hold the chosen backend's rules;
 * the other backend's IPv4 tables go under their own key (leftovers from a backend switch still run).
 */
export function iptablesCommands(backend: IptablesBackend): CatalogueCommand[] {
  const chosen = backend === 'nf_tables' ? 'nft' : 'legacy';
  const other = backend === 'nf_tables' ? 'legacy' : 'nft';
  return [
    { key: 'iptables', argv: [`iptables-${chosen}-save`], compress: true, why: `IPv4 iptables rules of the backend kube-proxy uses (${backend})` },
    { key: 'ip6tables', argv: [`ip6tables-${chosen}-save`], compress: true, why: `IPv6 iptables rules of the same backend` },
    { key: `iptables-${other}`, argv: [`iptables-${other}-save`], compress: true, why: 'the other backend: rules left there still run' },
  ];
}

/** Table names iptables-nft creates; in families ip/ip6 these are read with iptables-save instead of nft. */
export const XTABLES_NAMES: readonly string[] = ['filter', 'nat', 'mangle', 'raw', 'security'];

/** nft listing steps: tables first (cheap), chain names (cheap), then each native table in full. */
export const NFT_LIST_TABLES: readonly string[] = ['nft', '-j', 'list', 'tables'];
export const NFT_LIST_CHAINS: readonly string[] = ['nft', '-j', 'list', 'chains'];
export const nftListTable = (family: string, name: string): string[] => ['nft', '-j', 'list', 'table', family, name];

/** Unfiltered conntrack: the whole table per family. Used when the plan names no addresses. */
export const CONNTRACK_ALL: Readonly<Record<'conntrack' | 'conntrack-ipv6', readonly string[]>> = {
  conntrack: ['conntrack', '-L', '-f', 'ipv4'],
  'conntrack-ipv6': ['conntrack', '-L', '-f', 'ipv6'],
};

/**
 * conntrack filtered in the kernel: entries whose original source, original destination or reply
 * source is one of the addresses (client, service VIP, endpoint). One shell loop per family, so a
 * node with a million entries never ships them; duplicates across filters are removed afterwards.
 */
export const CONNTRACK_FILTER_SCRIPT =
  'f=$1; shift; rc=0; for a in "$@"; do for o in --orig-src --orig-dst --reply-src; do conntrack -L -f "$f" "$o" "$a" || rc=$?; done; done; exit $rc';
export const conntrackFiltered = (family: 'ipv4' | 'ipv6', addresses: readonly string[]): string[] => ['sh', '-c', CONNTRACK_FILTER_SCRIPT, 'sh', family, ...addresses];

/** Global sysctls the simulator reads; per-interface rp_filter/forwarding keys are added from the link dump. */
const SYSCTL_KEYS: readonly string[] = [
  'net.ipv4.ip_forward',
  'net.ipv4.conf.all.forwarding',
  'net.ipv4.conf.all.rp_filter',
  'net.ipv4.conf.default.rp_filter',
  'net.ipv4.conf.all.route_localnet',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'net.ipv6.conf.all.forwarding',
];

/**
 * Sysctls are read as /proc/sys files, never through sysctl(8): an argument holding `=` makes sysctl
 * write (an interface named `x=1` would turn `sysctl net.ipv4.conf.x=1.rp_filter` into a write). The
 * script takes pairs (the key as sysctl spells it, its /proc/sys file) and prints `key = value` lines
 * exactly as `sysctl -e` would; a file the kernel lacks is skipped. `read` is the shell's own: a
 * /proc/sys file answers only a read at offset 0, so `read`, which takes a byte at a time, sees the
 * value without its newline and returns non-zero: the value, not the status, says whether there was one.
 */
export const SYSCTL_SCRIPT = 'while [ $# -ge 2 ]; do v=; { read -r v < "$2"; } 2>/dev/null; [ -n "$v" ] && printf \'%s = %s\\n\' "$1" "$v"; shift 2; done; exit 0';

/** net.ipv4.ip_forward → /proc/sys/net/ipv4/ip_forward (a dot inside an interface name is `/` in the key). */
const procSysPath = (key: string): string => `/proc/sys/${[...key].map((c) => (c === '.' ? '/' : c === '/' ? '.' : c)).join('')}`;

/**
 * What the kernel accepts as an interface name (dev_valid_name: 1–15 bytes, not . or .., no /, : or
 * white space), narrowed to what the `key = value` dump can carry: no `=`, and only characters
 * sysctl keys hold. A name outside it is skipped and reported, never put into a path or a command.
 */
export const isSafeIfname = (name: string): boolean => /^[A-Za-z0-9_.@-]{1,15}$/.test(name) && name !== '.' && name !== '..';

/** The sysctl read for a node with these interfaces (names are checked with isSafeIfname first). */
export function sysctlArgv(ifnames: readonly string[]): string[] {
  const ifKey = (i: string): string => i.replace(/\./g, '/');
  const perIf = ifnames.filter(isSafeIfname).flatMap((i) => [`net.ipv4.conf.${ifKey(i)}.rp_filter`, `net.ipv4.conf.${ifKey(i)}.forwarding`]);
  return ['sh', '-c', SYSCTL_SCRIPT, 'sh', ...[...SYSCTL_KEYS, ...perIf].flatMap((k) => [k, procSysPath(k)])];
}

/**
 * kube-proxy's metrics server (metricsBindAddress, 127.0.0.1:10249 by default) answers, whoever runs
 * kube-proxy (DaemonSet, static pod or a host process): `/proxyMode` the mode it runs, `/configz` the
 * KubeProxyConfiguration it loaded (after defaults), `/metrics` its `kubernetes_build_info` (its
 * version). curl or wget, whichever the image has, 2 s bound; GETs only.
 */
const KUBE_PROXY_METRICS = 'http://127.0.0.1:10249';
export const PROXY_MODE_URL = `${KUBE_PROXY_METRICS}/proxyMode`;
export const PROXY_MODE_SCRIPT = 'if command -v curl >/dev/null 2>&1; then curl -fsS -m 2 "$1"; else wget -qO- -T 2 "$1"; fi';
export const PROXY_MODE_COMMAND: CatalogueCommand = {
  key: 'proxyMode',
  argv: ['sh', '-c', PROXY_MODE_SCRIPT, 'sh', PROXY_MODE_URL],
  compress: false,
  why: "kube-proxy's own answer to which mode it runs (when its metrics port is reachable)",
};
export const KUBE_PROXY_CONFIGZ_COMMAND: CatalogueCommand = {
  key: 'kube-proxy-configz',
  argv: ['sh', '-c', PROXY_MODE_SCRIPT, 'sh', `${KUBE_PROXY_METRICS}/configz`],
  compress: false,
  why: 'the KubeProxyConfiguration the running kube-proxy loaded (its /configz), wherever it runs',
};
/** Only the build-info line of /metrics: the version, not the whole metrics page. */
export const KUBE_PROXY_BUILD_SCRIPT = `{ ${PROXY_MODE_SCRIPT}; } | grep -m 1 '^kubernetes_build_info{'`;
export const KUBE_PROXY_BUILD_COMMAND: CatalogueCommand = {
  key: 'kube-proxy-build',
  argv: ['sh', '-c', KUBE_PROXY_BUILD_SCRIPT, 'sh', `${KUBE_PROXY_METRICS}/metrics`],
  compress: false,
  why: "the running kube-proxy's version (kubernetes_build_info of its /metrics)",
};

/**
 * CNI network configurations, and nothing else of the directory: the runtime loads only `.conf`,
 * `.conflist` and `.json` files (libcni), while the same directory holds credentials
 * (Calico's calico-kubeconfig, Multus' kubeconfig, TLS material). A configuration comes as
 * `==> <path>`, its content in base64 lines, `<==` (binary-safe: `>` is not in the base64
 * alphabet); any other file only by name (`--> <path>`); one that cannot be read as `=!= <path>`;
 * a directory that does not exist as `=?= <dir>` (said, never an empty listing).
 */
export const CNI_DIR = '/etc/cni/net.d';
export const CNI_FILES_SCRIPT =
  '[ -d "$1" ] || { printf \'=?= %s\\n\' "$1"; exit 0; }; for f in "$1"/*; do [ -f "$f" ] || continue; case "$f" in *.conf|*.conflist|*.json) if c=$(base64 < "$f"); then printf \'==> %s\\n%s\\n<==\\n\' "$f" "$c"; else printf \'=!= %s\\n\' "$f"; fi;; *) printf \'%s %s\\n\' \'-->\' "$f";; esac; done; exit 0';
export const CNI_FILES_ARGV: readonly string[] = ['sh', '-c', CNI_FILES_SCRIPT, 'sh', CNI_DIR];

/**
 * A node daemon's command line, read only where the node's root filesystem and process table are
 * visible to the probe (`--local-node`, `--host-binaries`), under `root`: the first process whose
 * name (comm) is `$2`, one argument a line (NULs → newlines). Used for the kubelet (its DNS settings)
 * and kube-proxy (its flags and --config file), which many distributions run outside any pod.
 */
export const PROCESS_CMDLINE_SCRIPT =
  'for p in "$1"/proc/[0-9]*; do { read -r c < "$p/comm"; } 2>/dev/null || continue; if [ "$c" = "$2" ]; then tr \'\\000\' \'\\n\' < "$p/cmdline"; exit 0; fi; done; exit 0';
export const processCmdlineArgv = (root: string, comm: string): string[] => ['sh', '-c', PROCESS_CMDLINE_SCRIPT, 'sh', root, comm];
export const kubeletCmdlineArgv = (root: string): string[] => processCmdlineArgv(root, 'kubelet');

/**
 * Files as the first process named `$2` sees them (through /proc/PID/root, so a containerised
 * daemon's own mount namespace; a relative path from its working directory), in the CNI listing's
 * format keyed by the path as given; missing ones are skipped.
 */
export const PROCESS_FILES_SCRIPT =
  'r=$1; n=$2; shift 2; for p in "$r"/proc/[0-9]*; do { read -r c < "$p/comm"; } 2>/dev/null || continue; [ "$c" = "$n" ] || continue; for f in "$@"; do case "$f" in /*) g="$p/root$f";; *) g="$p/cwd/$f";; esac; [ -f "$g" ] && { printf \'==> %s\\n\' "$f"; base64 < "$g"; echo \'<==\'; }; done; exit 0; done; exit 0';
export const processFilesArgv = (root: string, comm: string, paths: readonly string[]): string[] => ['sh', '-c', PROCESS_FILES_SCRIPT, 'sh', root, comm, ...paths];

/** Named files under `root`, in the CNI listing's format, keyed by their path on the node; missing ones are skipped. */
export const HOST_FILES_SCRIPT = 'r=$1; shift; for f in "$@"; do [ -f "$r$f" ] && { printf \'==> %s\\n\' "$f"; base64 < "$r$f"; echo \'<==\'; }; done; exit 0';
export const hostFilesArgv = (root: string, paths: readonly string[]): string[] => ['sh', '-c', HOST_FILES_SCRIPT, 'sh', root, ...paths];

/** Where kubeadm writes the KubeletConfiguration: read when the kubelet's command line cannot be. */
export const KUBELET_CONFIG_DEFAULT = '/var/lib/kubelet/config.yaml';
/** The resolv.conf files a kubelet may use: its default, and systemd-resolved's full (non-stub) file. */
export const HOST_RESOLV_CONFS: readonly string[] = ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf'];

/**
 * The probe pod's own /etc/resolv.conf, which the kubelet wrote for it (dnsPolicy
 * ClusterFirstWithHostNet): the kubelet's clusterDNS, its cluster search path and the node's search
 * domains, readable without any host access.
 */
export const POD_RESOLV_CONF: CatalogueCommand = {
  key: 'pod-resolv-conf',
  argv: ['cat', '/etc/resolv.conf'],
  compress: false,
  why: "the resolv.conf the kubelet wrote into the probe pod (dnsPolicy ClusterFirstWithHostNet)",
};

/**
 * Runs argv with stdout gzipped and base64-encoded, keeping the command's own exit code (POSIX sh:
 * dash, busybox ash). fd 4 carries the exit status out of the pipeline; the command never sees it.
 */
export const COMPRESS_SCRIPT = 'exec 3>&1; rc=$( { { "$@" 4>&-; echo $? >&4; } | gzip -c | base64 >&3; } 4>&1 ); exit "$rc"';
export const compressedArgv = (argv: readonly string[]): string[] => ['sh', '-c', COMPRESS_SCRIPT, 'sh', ...argv];

/** `--host-binaries`: run the node's own tools from its root filesystem mounted at /host. */
export const HOST_ROOT = '/host';
export const hostBinariesArgv = (argv: readonly string[]): string[] => ['chroot', HOST_ROOT, ...argv];

/**
 * Every argv the probe can run, with sample parameters for the dynamic parts: what the read-only
 * test checks and what docs/probe.md lists.
 */
export function everyCommand(): string[][] {
  const sample = ['10.0.0.1', 'fd00::1'];
  return [
    ...STATIC_COMMANDS.map((c) => [...c.argv]),
    [...IPVS_COMMAND.argv],
    ...Object.values(BACKEND_PROBES).map((a) => [...a]),
    ...iptablesCommands('nf_tables').map((c) => [...c.argv]),
    ...iptablesCommands('legacy').map((c) => [...c.argv]),
    [...NFT_LIST_TABLES],
    [...NFT_LIST_CHAINS],
    nftListTable('ip', 'kube-proxy'),
    ...Object.values(CONNTRACK_ALL).map((a) => [...a]),
    conntrackFiltered('ipv4', sample),
    sysctlArgv(['eth0', 'flannel.1']),
    [...PROXY_MODE_COMMAND.argv],
    [...KUBE_PROXY_CONFIGZ_COMMAND.argv],
    [...KUBE_PROXY_BUILD_COMMAND.argv],
    [...CNI_FILES_ARGV],
    kubeletCmdlineArgv('/host'),
    processCmdlineArgv('/host', 'kube-proxy'),
    processFilesArgv('/host', 'kube-proxy', ['/var/lib/kube-proxy/config.conf']),
    hostFilesArgv('', [KUBELET_CONFIG_DEFAULT, ...HOST_RESOLV_CONFS]),
    [...POD_RESOLV_CONF.argv],
    compressedArgv(['iptables-nft-save']),
    hostBinariesArgv(['iptables-nft-save']),
  ];
}
