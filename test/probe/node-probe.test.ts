/**
 * The probe's kubelet DNS reads, run for real (sh, tr, base64) over the local transport against a
 * fake node root: a /proc with a kubelet process, its config and the resolv.conf files it may use.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BATCH_SCRIPT } from '../../src/probe/batch.js';
import { probeNode } from '../../src/probe/node-probe.js';
import { CommandTimeout, LocalTransport, type Transport } from '../../src/probe/transport.js';
import type { DumpResult, NodeCapture } from '../../src/snapshot/types.js';
import { fakeNodeBackend, probeTestBed } from './fake-node.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A node root: `files` (path → content) plus processes (pid → [comm, argv]). */
function nodeRoot(files: Record<string, string>, procs: Record<string, [string, string[]]> = {}): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'netx-node-root-'));
  dirs.push(root);
  const put = (p: string, content: string): void => {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), content);
  };
  for (const [p, c] of Object.entries(files)) put(p, c);
  for (const [pid, [comm, argv]] of Object.entries(procs)) {
    put(`/proc/${pid}/comm`, `${comm}\n`);
    put(`/proc/${pid}/cmdline`, `${argv.join('\0')}\0`);
  }
  mkdirSync(path.join(root, 'proc'), { recursive: true });
  return root;
}

/** Local transport that records what ran; only the addr dump is asked for, so the rest is the DNS part. */
function recording(): { t: Transport; ran: string[][] } {
  const local = new LocalTransport();
  const ran: string[][] = [];
  return { ran, t: { kind: 'local', describe: () => local.describe(), exec: (argv, o): Promise<DumpResult> => (ran.push([...argv]), local.exec(argv, o)) } };
}

const KUBELET_CONFIG = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS: [10.96.0.10]\nclusterDomain: cluster.local\nresolvConf: /etc/kubelet-resolv.conf\n';

describe('probeNode: the kubelet’s DNS files', () => {
  it('follows the kubelet’s --config to its resolvConf and keys every file by its path on the node', async () => {
    const root = nodeRoot(
      {
        '/etc/kubernetes/kubelet.yaml': KUBELET_CONFIG,
        '/etc/kubelet-resolv.conf': 'nameserver 192.168.0.2\nsearch corp.example\n',
        '/etc/resolv.conf': 'nameserver 127.0.0.53\n',
        // kubeadm's path exists too, but the running kubelet does not use it.
        '/var/lib/kubelet/config.yaml': 'kind: KubeletConfiguration\nclusterDNS: [10.0.0.99]\n',
      },
      { '1': ['systemd', ['/sbin/init']], '812': ['kubelet', ['/usr/bin/kubelet', '--config=/etc/kubernetes/kubelet.yaml', '--v=2']] },
    );
    const { t, ran } = recording();
    const cap = await probeNode(t, { dumps: ['addr'], hostRoot: root });
    expect(cap.dumps['kubelet-cmdline']).toMatchObject({ exitCode: 0, stdout: '/usr/bin/kubelet\n--config=/etc/kubernetes/kubelet.yaml\n--v=2\n' });
    expect(cap.files?.['/etc/kubernetes/kubelet.yaml']).toBe(KUBELET_CONFIG);
    expect(cap.files?.['/etc/kubelet-resolv.conf']).toMatch(/corp\.example/);
    expect(cap.files?.['/etc/resolv.conf']).toBe('nameserver 127.0.0.53\n');
    expect(cap.files).not.toHaveProperty('/var/lib/kubelet/config.yaml');
    expect(cap.files).not.toHaveProperty('/run/systemd/resolve/resolv.conf');
    // resolvConf was only known after reading the config: a second, narrow read.
    expect(ran.filter((a) => a[2]?.startsWith('r=$1')).map((a) => a.slice(5))).toEqual([
      ['/etc/kubernetes/kubelet.yaml', '/etc/resolv.conf', '/run/systemd/resolve/resolv.conf'],
      ['/etc/kubelet-resolv.conf'],
    ]);
    expect(cap.dumps).not.toHaveProperty('pod-resolv-conf');
    expect(cap.probe?.errors ?? []).not.toContainEqual(expect.objectContaining({ what: 'host files' }));
  });

  it('no kubelet process visible: kubeadm’s config path and the systemd-resolved file', async () => {
    const root = nodeRoot({ '/var/lib/kubelet/config.yaml': 'kind: KubeletConfiguration\nclusterDNS: [10.0.0.10]\n', '/run/systemd/resolve/resolv.conf': 'nameserver 10.1.0.2\n' }, { '7': ['containerd', ['containerd']] });
    const cap = await probeNode(recording().t, { dumps: ['addr'], hostRoot: root });
    expect(cap.dumps['kubelet-cmdline']).toMatchObject({ exitCode: 0, stdout: '' });
    expect(Object.keys(cap.files ?? {}).filter((f) => !f.startsWith('/etc/cni/')).sort()).toEqual(['/run/systemd/resolve/resolv.conf', '/var/lib/kubelet/config.yaml']);
  });

  it('without a host root nothing of the node’s filesystem is read', async () => {
    const { t, ran } = recording();
    const cap = await probeNode(t, { dumps: ['addr'] });
    expect(cap.dumps).not.toHaveProperty('kubelet-cmdline');
    expect(ran.some((a) => a.includes('kubelet') || a.some((x) => x.includes('resolv')))).toBe(false);
  });
});

describe('probeNode: a command past its deadline', () => {
  /** Every command answers at once with empty output, except those `slow` picks, which time out. */
  const transport = (slow: (argv: readonly string[]) => boolean): { t: Transport; ran: string[][] } => {
    const ran: string[][] = [];
    const t: Transport = {
      kind: 'debug-pod',
      describe: () => ({ transport: 'debug-pod', pod: 'kube-system/netx-probe-n' }),
      exec: async (argv, o) => {
        ran.push([...argv]);
        if (slow(argv)) throw new CommandTimeout(argv, o?.timeoutMs ?? 0, 'in probe pod kube-system/netx-probe-n');
        return { argv: [...argv], stdout: '', stderr: '', exitCode: 0 };
      },
    };
    return { t, ran };
  };

  it('a slow nft costs the nft dump, named with its limit; the dumps after it are still read', async () => {
    const { t, ran } = transport((argv) => argv.includes('nft'));
    const cap = await probeNode(t, { dumps: ['iptables', 'nft', 'conntrack', 'sysctl'], commandTimeoutMs: 300 });
    expect(cap.dumps['nft']).toMatchObject({ exitCode: 124, stdout: '', stderr: expect.stringMatching(/^node command `nft -j list tables` in probe pod .* did not finish within 300 ms$/) });
    expect(cap.probe?.errors).toContainEqual(expect.objectContaining({ what: 'nft', code: 'timeout' }));
    expect(cap.dumps['iptables']?.exitCode).toBe(0);
    expect(cap.dumps['conntrack']?.exitCode).toBe(0);
    expect(cap.dumps['sysctl']?.exitCode).toBe(0);
    // The batch holding conntrack answered nothing here, so conntrack ran on its own, after nft.
    expect(ran.findIndex((a) => a.includes('nft'))).toBeLessThan(ran.findIndex((a) => a.join(' ').includes('conntrack') && a[2] !== BATCH_SCRIPT));
  });

  it('any other command past its deadline ends the node probe with that reason', async () => {
    const { t } = transport((argv) => argv.join(' ').includes('conntrack'));
    await expect(probeNode(t, { dumps: ['nft', 'conntrack'], commandTimeoutMs: 300 })).rejects.toBeInstanceOf(CommandTimeout);
  });
});

describe('probeNode: one exec for many commands', () => {
  const bed = probeTestBed('netx-batch-');
  /** The fake node's tools run for real; `batches: false` is an image whose shell cannot run the batch. */
  const fakeNode = (batches: boolean): { t: Transport; ran: string[][] } => {
    const backend = fakeNodeBackend(bed.bin());
    const ran: string[][] = [];
    const t: Transport = {
      kind: 'debug-pod',
      describe: () => ({ transport: 'debug-pod', pod: 'kube-system/netx-probe-n' }),
      exec: async (argv) => {
        ran.push([...argv]);
        if (!batches && argv[2] === BATCH_SCRIPT) return { argv: [...argv], stdout: '', stderr: 'sh: 1: base64: not found\n', exitCode: 127 };
        const r = await backend({ argv: [...argv], signal: new AbortController().signal, pod: { metadata: { name: 'netx-probe-n', namespace: 'kube-system' } } });
        return { argv: [...argv], stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), exitCode: r.exitCode };
      },
    };
    return { t, ran };
  };
  /** Without timings, and a missing program said the same way (a shell's line number is where it ran it). */
  const comparable = (c: NodeCapture): unknown =>
    JSON.parse(
      JSON.stringify({ ...c, dumps: Object.fromEntries(Object.entries(c.dumps).map(([k, d]) => [k, { ...d, durationMs: undefined }])), probe: { ...c.probe, startedAt: '' } }).replace(/sh: \d+: (exec: )?(\S+): not found/g, 'sh: $2: not found'),
    );

  it('reads the whole catalogue in a few execs, exactly as command by command', async () => {
    const batched = fakeNode(true);
    const alone = fakeNode(false);
    const got = await probeNode(batched.t, { dumps: [], conntrackAddresses: ['10.244.0.5', 'fd00::5'] });
    const want = await probeNode(alone.t, { dumps: [], conntrackAddresses: ['10.244.0.5', 'fd00::5'] });
    expect(Object.keys(got.dumps).length).toBeGreaterThan(15);
    expect(comparable(got)).toEqual(comparable(want));
    // Two batches (what needs nothing, then what follows from it) and nft's listing steps.
    expect(batched.ran.filter((a) => a[2] === BATCH_SCRIPT)).toHaveLength(2);
    expect(batched.ran.length).toBeLessThanOrEqual(5);
    expect(alone.ran.length).toBeGreaterThan(20);
  });
});
