/**
 * The kube-lab itself, against the real components it runs: nodes Ready at the pinned release, the
 * configuration it publishes matching what its daemons run, pod→pod and pod→ClusterIP traffic through
 * flannel and kube-proxy as the pods see it, nothing of it in the machine's own network namespace or
 * default paths, and netx's live commands running against it with the lab's debug image.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCliAsync } from '../support/cli.js';
import { onMachine } from './hosts.js';
import { diffHostSnapshots, hostSnapshot } from './host-snapshot.js';
import type { KubeLabContext } from './global-setup.js';
import { machineOf, type LabState } from './state.js';
import { labSuites } from './suites.js';

const NS = 'kl-test';
/** What netx answered live, kept after the lab is gone (CI prints its path; the answers are read by people). */
const LIVE_REPORT = path.join(tmpdir(), 'netx-kube-lab-live.txt');

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const pod = (name: string, node: string, image: string, args: string[], labels: Record<string, string> = {}): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${NS}
  labels: ${JSON.stringify(labels)}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${image}
    imagePullPolicy: Never
    args: ${JSON.stringify(args)}
`;

const WORKLOAD = [
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`,
  pod('web-0', 'node-1', 'netx.local/agnhost:lab', ['netexec', '--http-port=8080'], { app: 'web' }),
  pod('web-1', 'node-2', 'netx.local/agnhost:lab', ['netexec', '--http-port=8080'], { app: 'web' }),
  pod('web-2', 'node-2', 'netx.local/agnhost:lab', ['netexec', '--http-port=8080'], { app: 'web' }),
  pod('client', 'node-1', 'netx.local/agnhost:lab', ['pause']),
  pod('debug', 'node-1', 'netx.local/netx-debug:lab', ['sleep', 'infinity']),
  `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${NS}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
`,
].join('---\n');

function liveSuites(lab: KubeLabContext, state: LabState): void {
  function kubectl(args: string[], input?: string, timeout = 60_000): Result {
    const r = spawnSync(path.join(lab.bin, 'kubectl'), [`--kubeconfig=${lab.kubeconfig}`, `--cache-dir=${path.join(lab.stateDir, 'kubectl-cache')}`, ...args], {
      encoding: 'utf8',
      input,
      timeout,
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  function onNode(node: string, argv: string[]): Result {
    const [cmd, ...args] = onMachine(machineOf(state, node), argv);
    const r = spawnSync(cmd as string, args, { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  const podIps = new Map<string, string>();
  let clusterIp = '';

  const exec = (podName: string, argv: string[]): Result => kubectl(['-n', NS, 'exec', podName, '--', ...argv], undefined, 30_000);

  beforeAll(() => {
    ensureBuilt();
    const applied = kubectl(['apply', '-f', '-'], WORKLOAD);
    expect(applied.stderr).toBe('');
    const ready = kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=120s'], undefined, 130_000);
    expect(ready.status, ready.stderr).toBe(0);
    const pods = JSON.parse(kubectl(['-n', NS, 'get', 'pods', '-o', 'json']).stdout) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
    for (const p of pods.items) podIps.set(p.metadata.name, p.status.podIP);
    clusterIp = kubectl(['-n', NS, 'get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']).stdout.trim();
  }, 180_000);

  describe('kube-lab cluster', () => {
    it('runs every node Ready at the pinned release, with podCIDRs from node IPAM in the lab pod range', () => {
      const nodes = JSON.parse(kubectl(['get', 'nodes', '-o', 'json']).stdout) as {
        items: { metadata: { name: string }; spec: { podCIDR: string }; status: { nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string }; conditions: { type: string; status: string }[] } }[];
      };
      expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual(state.plan.nodes.map((n) => n.name));
      const version = JSON.parse(kubectl(['version', '-o', 'json']).stdout) as { serverVersion: { gitVersion: string } };
      for (const n of nodes.items) {
        expect(n.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
        expect(n.status.nodeInfo.kubeletVersion).toBe(version.serverVersion.gitVersion);
        expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/1\./);
        expect(n.spec.podCIDR).toMatch(/^10\.245\.\d+\.0\/24$/);
      }
      expect(version.serverVersion.gitVersion).toMatch(/^v1\.(3[5-9]|[4-9]\d)\.\d+$/);
      expect(new Set(nodes.items.map((n) => n.spec.podCIDR)).size).toBe(nodes.items.length);
    });

    it('publishes the kube-proxy and kubelet configuration its daemons run, and kube-proxy answers its mode', () => {
      const conf = kubectl(['-n', 'kube-system', 'get', 'configmap', 'kube-proxy', '-o', 'jsonpath={.data.config\\.conf}']).stdout;
      expect(conf).toMatch(new RegExp(`^mode: ${lab.proxyMode}$`, 'm'));
      const kubelet = kubectl(['-n', 'kube-system', 'get', 'configmap', 'kubelet-config', '-o', 'jsonpath={.data.kubelet}']).stdout;
      expect(kubelet).toMatch(/^kind: KubeletConfiguration$/m);
      for (const node of state.plan.nodes) {
        expect(onNode(node.name, ['cat', '/var/lib/kube-proxy/config.conf']).stdout.trim()).toBe(conf.trim());
        expect(onNode(node.name, ['cat', '/var/lib/kubelet/config.yaml']).stdout.trim()).toBe(kubelet.trim());
        expect(onNode(node.name, ['curl', '-fsS', 'http://127.0.0.1:10249/proxyMode']).stdout).toBe(lab.proxyMode);
        const rules = lab.proxyMode === 'nftables' ? onNode(node.name, ['nft', 'list', 'table', 'ip', 'kube-proxy']) : onNode(node.name, ['iptables-save', '-t', 'nat']);
        expect(rules.stdout).toContain(clusterIp);
        expect(onNode(node.name, ['cat', '/run/flannel/subnet.env']).stdout).toMatch(/^FLANNEL_NETWORK=10\.245\.0\.0\/16$/m);
        expect(onNode(node.name, ['cat', '/etc/cni/net.d/10-flannel.conflist']).stdout).toContain('"type": "bridge"');
        expect(onNode(node.name, ['iptables-save', '-t', 'filter']).stdout).toMatch(/^:KUBE-ROUTER-FORWARD /m);
      }
    });

    it('carries pod→pod traffic on one node and across nodes (agnhost connect, netexec /hostname)', () => {
      for (const target of ['web-0', 'web-1', 'web-2']) {
        const r = exec('client', ['/agnhost', 'connect', `${podIps.get(target)}:8080`, '--timeout=5s']);
        expect(r.status, `client → ${target}: ${r.stderr}`).toBe(0);
        const hostname = exec('debug', ['curl', '-fsS', '-m', '5', `http://${podIps.get(target)}:8080/hostname`]);
        expect(hostname.stdout).toBe(target);
      }
    });

    it('carries pod→ClusterIP traffic to the Service endpoints on both nodes', () => {
      const r = exec('client', ['/agnhost', 'connect', `${clusterIp}:80`, '--timeout=5s']);
      expect(r.status, r.stderr).toBe(0);
      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 3; i++) {
        seen.add(exec('debug', ['curl', '-fsS', '-m', '5', `http://${clusterIp}/hostname`]).stdout);
      }
      expect([...seen].every((h) => ['web-0', 'web-1', 'web-2'].includes(h)), [...seen].join(',')).toBe(true);
      expect(seen.size).toBeGreaterThanOrEqual(2);
    });

    it('leaves the machine’s own network namespace, sysctls and default paths alone while it runs', () => {
      const diffs = diffHostSnapshots(lab.hostBefore, hostSnapshot(lab.stateDir), { afterDown: false });
      expect(diffs).toEqual([]);
    });
  });

  describe('kubectl netx live against the kube-lab', { timeout: 180_000 }, () => {
    const home = mkdtempSync(path.join(tmpdir(), 'netx-kube-lab-home-'));
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: lab.kubeconfig, NO_COLOR: '1' };
    const image = ['--image', 'netx.local/netx-debug:lab'];
    const report: string[] = [];
    const run = async (args: string[]): Promise<Result> => {
      const r = await runCliAsync(args, env);
      report.push(`$ kubectl netx ${args.join(' ')}\n(exit ${r.status})\n${r.stdout}${r.stderr ? `--- stderr\n${r.stderr}` : ''}`);
      writeFileSync(LIVE_REPORT, `${report.join('\n\n')}\n`);
      return r;
    };
    const noCrash = (r: Result): void => {
      expect(r.status, r.stderr).not.toBeNull();
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    };

    it('proxy-mode probes every node with the lab image and exits', async () => {
      const r = await run(['proxy-mode', ...image]);
      noCrash(r);
      expect(r.status).toBe(0);
    });

    it('cidr reads the real node IPAM and ServiceCIDR objects and exits', async () => {
      const r = await run(['cidr']);
      noCrash(r);
      expect(r.status).toBe(0);
      for (const node of state.plan.nodes) expect(r.stdout).toContain(node.name);
    });

    it('trace client → a pod on the other node (VXLAN) probes and answers', async () => {
      const r = await run(['trace', `${NS}/client`, `${NS}/web-1:8080`, ...image]);
      noCrash(r);
      expect([0, 3]).toContain(r.status);
    });

    it('trace client → svc/web:80 probes, answers, and leaves no probe pod behind', async () => {
      const r = await run(['trace', `${NS}/client`, `svc/web:80`, '-n', NS, ...image]);
      noCrash(r);
      expect([0, 3]).toContain(r.status);
      const left = kubectl(['get', 'pods', '-A', '-l', 'app.kubernetes.io/managed-by=kubectl-netx', '-o', 'name']);
      expect(left.stdout.trim()).toBe('');
    });
  });
}

labSuites('kube-lab', liveSuites);
