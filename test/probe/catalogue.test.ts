import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusFiles, corpusPath, REPO_ROOT } from '../support/corpus.js';
import {
  COMPRESS_SCRIPT,
  LEGACY_MANGLE_SCRIPT,
  CONNTRACK_FILTER_SCRIPT,
  CNI_FILES_SCRIPT,
  CNI_FILES_ARGV,
  everyCommand,
  IPVS_COMMAND,
  IPVS_SCRIPT,
  SYSCTL_SCRIPT,
  HOST_FILES_SCRIPT,
  KUBE_PROXY_BUILD_SCRIPT,
  PROCESS_CMDLINE_SCRIPT,
  PROCESS_FILES_SCRIPT,
  processCmdlineArgv,
  processFilesArgv,
  iptablesCommands,
  PROXY_MODE_SCRIPT,
  STATIC_COMMANDS,
  sysctlArgv,
} from '../../src/probe/catalogue.js';
import { DUMP_KEYS } from '../../src/snapshot/types.js';
import { BATCH_SCRIPT, batchArgv, batchNonce } from '../../src/probe/batch.js';

/** Verbs that change state in ip, bridge, nft, ipset, ipvsadm (as standalone words). */
const MUTATING_WORDS = new Set(['add', 'del', 'delete', 'change', 'replace', 'append', 'prepend', 'set', 'flush', 'create', 'destroy', 'insert', 'rename', 'restore', 'reset', 'import', 'reload', 'monitor']);
/** Per program: a read-only verb argv must hold, and flags that write (forbidden). */
const READ_ONLY: Record<string, { must?: (args: string[]) => boolean; forbidden: string[] }> = {
  ip: { must: (a) => a.includes('show'), forbidden: ['-batch', '-force'] },
  bridge: { must: (a) => a.includes('show'), forbidden: ['-batch'] },
  nft: { must: (a) => a[0] === '-j' && a[1] === 'list', forbidden: ['-f', '--file', '-i'] },
  conntrack: { must: (a) => a[0] === '-L', forbidden: ['-D', '-F', '-U', '-I', '-E', '--delete', '--flush', '--update', '--create', '--event'] },
  ipset: { must: (a) => a[0] === 'save' || a[0] === 'list', forbidden: [] },
  'iptables-nft-save': { forbidden: ['-c'] },
  'iptables-legacy-save': { forbidden: ['-c'] },
  'ip6tables-nft-save': { forbidden: ['-c'] },
  'ip6tables-legacy-save': { forbidden: ['-c'] },
  // Only the probe pod's own resolv.conf, by absolute path.
  cat: { must: (a) => a.length > 0 && a.every((x) => x.startsWith('/etc/')), forbidden: [] },
};

/** The program argv starts, looking through the wrappers (chroot /host, sh -c SCRIPT sh ARGV...). */
function unwrap(argv: string[]): { program: string; args: string[] }[] {
  if (argv[0] === 'chroot') return unwrap(argv.slice(2));
  if (argv[0] === 'sh' && argv[1] === '-c') {
    const script = argv[2] ?? '';
    // "$@" runs the wrapped argv; other scripts name their programs inline (checked word by word).
    if (script === BATCH_SCRIPT) return unbatch(argv.slice(5)).flatMap(unwrap);
    return script === COMPRESS_SCRIPT ? unwrap(argv.slice(4)) : [];
  }
  return [{ program: argv[0] ?? '', args: argv.slice(1) }];
}

/** A batch's parameters (after its nonce): ID Z N ARG1..ARGN per command → each command's argv. */
function unbatch(params: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < params.length; ) {
    const n = Number(params[i + 2]);
    out.push(params.slice(i + 3, i + 3 + n));
    i += 3 + n;
  }
  return out;
}

const SCRIPTS = [BATCH_SCRIPT, COMPRESS_SCRIPT, CONNTRACK_FILTER_SCRIPT, CNI_FILES_SCRIPT, PROXY_MODE_SCRIPT, LEGACY_MANGLE_SCRIPT, PROCESS_CMDLINE_SCRIPT, PROCESS_FILES_SCRIPT, KUBE_PROXY_BUILD_SCRIPT, HOST_FILES_SCRIPT, IPVS_SCRIPT, SYSCTL_SCRIPT];

/** Runs a catalogue script with sh, PATH limited to `bin` plus the system's, and its arguments. */
const runScript = (script: string, args: string[], bin?: string) =>
  spawnSync('/bin/sh', ['-c', script, 'sh', ...args], { encoding: 'utf8', env: { PATH: `${bin ? `${bin}:` : ''}/usr/bin:/bin` } });

describe('probe catalogue', () => {
  it('starts only read-only programs, each with a listing verb and no writing flag or verb', () => {
    const seen = new Set<string>();
    for (const argv of everyCommand()) {
      for (const { program, args } of unwrap(argv)) {
        seen.add(program);
        const rule = READ_ONLY[program];
        expect(rule, `${argv.join(' ')}: ${program} is not a catalogue program`).toBeDefined();
        if (rule?.must) expect(rule.must(args), argv.join(' ')).toBe(true);
        for (const a of args) {
          expect(rule?.forbidden.includes(a), `${argv.join(' ')}: ${a}`).toBe(false);
          expect(MUTATING_WORDS.has(a), `${argv.join(' ')}: ${a}`).toBe(false);
        }
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(READ_ONLY).sort());
  });

  it('a batch runs exactly the commands given, read-only as each is alone', () => {
    const every = everyCommand();
    const batched = batchArgv(every.map((argv) => ({ argv, compress: false })), batchNonce());
    expect(unwrap(batched)).toEqual(every.flatMap(unwrap));
  });

  it('shell scripts only read: no redirect into a file, no mutating word, only listing commands', () => {
    for (const script of SCRIPTS) {
      // `set --` (the batch rebuilding a command's argv) sets the shell's own parameters: not a write.
      const words = script.replace(/\bset -- /g, '').split(/[\s;|&(){}$"'`]+/).filter(Boolean);
      for (const w of words) expect(MUTATING_WORDS.has(w), `${script}: ${w}`).toBe(false);
      // Redirections go to file descriptors or /dev/null only, never to a path (no file is written).
      const unquoted = script.replace(/'[^']*'/g, "''");
      for (const m of unquoted.matchAll(/>\s*(&?\S+)/g)) expect(m[1], script).toMatch(/^&[\d-]|^\/dev\/null;?$/);
      // iptables saves are only ever asked for mangle by name when it exists (naming a legacy table creates it).
      if (/iptables-legacy-save -t/.test(script)) expect(script).toMatch(/grep -qx mangle \/proc\/net\/ip_tables_names .*then exec iptables-legacy-save -t mangle/);
      // conntrack is only ever called with -L.
      for (const m of script.matchAll(/conntrack\s+(\S+)/g)) expect(m[1]).toBe('-L');
    }
  });

  it('docs/probe.md lists every command and script verbatim', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'probe.md'), 'utf8').replace(/\\\|/g, '|');
    for (const argv of everyCommand()) {
      if (argv[0] === 'sh' || argv[0] === 'chroot') continue;
      expect(doc, argv.join(' ')).toContain(`\n${argv.join(' ')}\n`);
    }
    for (const script of SCRIPTS) expect(doc).toContain(`\`${script}\``);
  });

  it('covers every fixed dump key', () => {
    const keys = new Set([...STATIC_COMMANDS.map((c) => c.key), IPVS_COMMAND.key, ...iptablesCommands('nf_tables').map((c) => c.key), ...iptablesCommands('legacy').map((c) => c.key), 'nft', 'conntrack', 'sysctl']);
    for (const k of DUMP_KEYS) expect(keys, k).toContain(k);
  });

  it('iptables holds the chosen backend, the other backend keeps its own key', () => {
    expect(iptablesCommands('nf_tables').map((c) => [c.key, c.argv[0]])).toEqual([['iptables', 'iptables-nft-save'], ['ip6tables', 'ip6tables-nft-save'], ['iptables-legacy', 'iptables-legacy-save']]);
    expect(iptablesCommands('legacy').map((c) => [c.key, c.argv[0]])).toEqual([['iptables', 'iptables-legacy-save'], ['ip6tables', 'ip6tables-legacy-save'], ['iptables-nft', 'iptables-nft-save']]);
  });

  it('never hands an interface name to sysctl(8): /proc/sys files are read, unsafe names are left out', () => {
    const argv = sysctlArgv(['flannel.1', 'x=1', 'e=1.rp_filter', '..', 'a/b', 'eth 0', 'cali12345678901234567']);
    expect(argv.slice(0, 4)).toEqual(['sh', '-c', SYSCTL_SCRIPT, 'sh']);
    // `=` in a sysctl argument turns a read into a write; no argument carries one.
    expect(argv.slice(4).filter((a) => a.includes('='))).toEqual([]);
    // Pairs: the key as sysctl spells it (a dot in a name is /), the file it is read from.
    expect(argv.slice(-4)).toEqual(['net.ipv4.conf.flannel/1.rp_filter', '/proc/sys/net/ipv4/conf/flannel.1/rp_filter', 'net.ipv4.conf.flannel/1.forwarding', '/proc/sys/net/ipv4/conf/flannel.1/forwarding']);
    expect(argv.slice(4).some((a) => a.includes('..') || a.includes(' '))).toBe(false);
    expect(argv).toContain('/proc/sys/net/bridge/bridge-nf-call-iptables');
    expect(argv.some((a) => /^(sysctl|-w)$/.test(a))).toBe(false);
  });

  it('the sysctl script reads files and prints `key = value` as sysctl would, skipping what does not exist', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-sysctl-'));
    try {
      writeFileSync(path.join(dir, 'rp_filter'), '2\n');
      const r = runScript(SYSCTL_SCRIPT, ['net.ipv4.conf.x.rp_filter', path.join(dir, 'rp_filter'), 'net.ipv4.conf.y.rp_filter', path.join(dir, 'missing')]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('net.ipv4.conf.x.rp_filter = 2\n');
      expect(r.stderr).toBe('');
      // A real /proc/sys file answers only a read at offset 0: the value still comes through.
      expect(runScript(SYSCTL_SCRIPT, ['net.ipv4.ip_forward', '/proc/sys/net/ipv4/ip_forward']).stdout).toMatch(/^net\.ipv4\.ip_forward = [01]\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ipvsadm runs only where /proc/net/ip_vs shows IPVS is loaded (it would modprobe ip_vs otherwise)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-ipvs-'));
    try {
      const bin = path.join(dir, 'bin');
      mkdirSync(bin);
      const called = path.join(dir, 'called');
      writeFileSync(path.join(bin, 'ipvsadm'), `#!/bin/sh\necho "$@" >> ${called}\necho '-A -t 10.96.0.1:443 -s rr'\n`);
      chmodSync(path.join(bin, 'ipvsadm'), 0o755);
      const absent = runScript(IPVS_SCRIPT, [path.join(dir, 'no-ip_vs')], bin);
      expect(absent).toMatchObject({ status: 0, stdout: '', stderr: expect.stringMatching(/no-ip_vs absent: IPVS is not in the kernel, ipvsadm not run/) });
      expect(() => readFileSync(called)).toThrow();
      writeFileSync(path.join(dir, 'ip_vs'), 'IP Virtual Server version 1.2.1 (size=4096)\n');
      const present = runScript(IPVS_SCRIPT, [path.join(dir, 'ip_vs')], bin);
      expect(present).toMatchObject({ status: 0, stdout: '-A -t 10.96.0.1:443 -s rr\n' });
      expect(readFileSync(called, 'utf8')).toBe('-Sn\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a daemon\'s command line and its files as that process sees them (its root, its cwd), by process name', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-proc-'));
    try {
      // A fake node root: /proc/7 is a shell, /proc/42 kube-proxy whose root is its own directory tree.
      const proc = (pid: number, comm: string, argv: string[]): string => {
        const p = path.join(dir, 'proc', String(pid));
        mkdirSync(p, { recursive: true });
        writeFileSync(path.join(p, 'comm'), `${comm}\n`);
        writeFileSync(path.join(p, 'cmdline'), `${argv.join('\0')}\0`);
        return p;
      };
      proc(7, 'bash', ['bash']);
      const kp = proc(42, 'kube-proxy', ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=n1']);
      mkdirSync(path.join(kp, 'root', 'var', 'lib', 'kube-proxy'), { recursive: true });
      writeFileSync(path.join(kp, 'root', 'var', 'lib', 'kube-proxy', 'config.conf'), 'kind: KubeProxyConfiguration\nmode: nftables\n');
      mkdirSync(path.join(kp, 'cwd'));
      writeFileSync(path.join(kp, 'cwd', 'rel.conf'), 'mode: ipvs\n');
      const cmd = runScript(PROCESS_CMDLINE_SCRIPT, processCmdlineArgv(dir, 'kube-proxy').slice(4));
      expect(cmd).toMatchObject({ status: 0, stdout: '/usr/local/bin/kube-proxy\n--config=/var/lib/kube-proxy/config.conf\n--hostname-override=n1\n' });
      expect(runScript(PROCESS_CMDLINE_SCRIPT, processCmdlineArgv(dir, 'kubelet').slice(4))).toMatchObject({ status: 0, stdout: '' });
      const files = runScript(PROCESS_FILES_SCRIPT, processFilesArgv(dir, 'kube-proxy', ['/var/lib/kube-proxy/config.conf', 'rel.conf', '/missing']).slice(4));
      expect(files.status).toBe(0);
      const lines = files.stdout.split('\n');
      expect(lines.filter((l) => l.startsWith('==> '))).toEqual(['==> /var/lib/kube-proxy/config.conf', '==> rel.conf']);
      expect(Buffer.from(lines[1] ?? '', 'base64').toString()).toContain('mode: nftables');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the kube-proxy build script keeps only the build-info line of /metrics', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-metrics-'));
    try {
      const bin = path.join(dir, 'bin');
      mkdirSync(bin);
      const line = 'kubernetes_build_info{build_date="1970-01-01T00:00:00Z",git_version="v1.37.2",major="1",minor="37"} 1';
      writeFileSync(path.join(bin, 'curl'), `#!/bin/sh\nprintf '# HELP kubernetes_build_info x\\n# TYPE kubernetes_build_info gauge\\n%s\\nrest_client_requests_total 3\\n' '${line}'\n`);
      chmodSync(path.join(bin, 'curl'), 0o755);
      expect(runScript(KUBE_PROXY_BUILD_SCRIPT, ['http://127.0.0.1:10249/metrics'], bin)).toMatchObject({ status: 0, stdout: `${line}\n` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CNI listing reads only network configurations; other files (calico-kubeconfig) by name only', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-cni-'));
    try {
      for (const f of ['calico-10-calico.conflist', 'cni-readme-10-mynet.conf', 'flannel-net-conf.json']) copyFileSync(corpusPath('cni', f), path.join(dir, f));
      copyFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'cni-secrets', 'calico-kubeconfig'), path.join(dir, 'calico-kubeconfig'));
      mkdirSync(path.join(dir, 'multus.d'));
      const r = runScript(CNI_FILES_SCRIPT, [dir]);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain('LS0tLS1CRUdJTi');
      const headers = r.stdout.split('\n').filter((l) => /^(==>|-->|=!=) /.test(l));
      expect(headers).toEqual([`==> ${dir}/calico-10-calico.conflist`, `--> ${dir}/calico-kubeconfig`, `==> ${dir}/cni-readme-10-mynet.conf`, `==> ${dir}/flannel-net-conf.json`]);
      expect(CNI_FILES_ARGV.at(-1)).toBe('/etc/cni/net.d');
      expect(corpusFiles('cni').length).toBeGreaterThan(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
