/**
 * netx under the real apiserver's authorization and admission: a ServiceAccount bound to exactly what
 * `kubectl netx rbac` prints can trace; without one of those permissions netx names what was refused
 * and the rule to grant; a probe namespace enforcing Pod Security `baseline` makes netx say why it
 * cannot probe there and what to change.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCliAsync, type CliRun } from '../support/cli.js';
import type { KubeLabContext } from './global-setup.js';
import { labClients, type Lab } from './live.js';
import type { LabState } from './state.js';
import { labSuites } from './suites.js';

const NS = 'kl-access';
const SA = 'netx-user';
const IMAGE = ['--image', 'netx.local/netx-debug:lab'];

const WORKLOAD = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: NS } },
  ...['web', 'client'].map((name) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      nodeName: name === 'web' ? 'node-2' : 'node-1',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'netx.local/agnhost:lab', imagePullPolicy: 'Never', args: name === 'web' ? ['netexec', '--http-port=8080'] : ['pause'] }],
    },
  })),
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kl-baseline', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
]
  .map((o) => JSON.stringify(o))
  .join('\n---\n');

interface RbacDoc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: { resources: string[] }[];
}

function accessSuites(lab: KubeLabContext, state: LabState): void {
  const k: Lab = labClients(lab, state);
  const home = mkdtempSync(path.join(tmpdir(), 'netx-kube-lab-access-'));
  const adminEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: lab.kubeconfig, NO_COLOR: '1' };
  const saKubeconfig = path.join(home, 'sa.kubeconfig');
  const saEnv = { ...adminEnv, KUBECONFIG: saKubeconfig };
  const noStack = (r: CliRun): void => expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  let rbac: RbacDoc[] = [];

  beforeAll(async () => {
    ensureBuilt();
    const applied = k.kubectl(['apply', '-f', '-'], WORKLOAD);
    expect(applied.status, applied.stderr).toBe(0);
    expect(k.kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=120s'], undefined, 130_000).status).toBe(0);
    // What `kubectl netx rbac` prints, applied as it says, bound to the ServiceAccount.
    const printed = await runCliAsync(['rbac'], adminEnv);
    expect(printed.status, printed.stderr).toBe(0);
    expect(k.kubectl(['apply', '-f', '-'], printed.stdout).status).toBe(0);
    rbac = parseAllDocuments(printed.stdout).map((d) => d.toJS() as RbacDoc);
    const subject = `--serviceaccount=${NS}:${SA}`;
    for (const doc of rbac) {
      if (doc.kind === 'ClusterRole') expect(k.kubectl(['create', 'clusterrolebinding', `${doc.metadata.name}-${SA}`, `--clusterrole=${doc.metadata.name}`, subject]).status).toBe(0);
      if (doc.kind === 'Role') expect(k.kubectl(['-n', doc.metadata.namespace ?? '', 'create', 'rolebinding', `${doc.metadata.name}-${SA}`, `--role=${doc.metadata.name}`, subject]).status).toBe(0);
    }
    const token = k.kubectl(['-n', NS, 'create', 'token', SA, '--duration=1h']).stdout.trim();
    const admin = JSON.parse(k.kubectl(['config', 'view', '--raw', '--minify', '--flatten', '-o', 'json']).stdout) as { users: { name: string; user: unknown }[] };
    for (const u of admin.users) u.user = { token };
    writeFileSync(saKubeconfig, JSON.stringify(admin));
  }, 240_000);

  describe('netx with exactly the permissions `kubectl netx rbac` grants', { timeout: 150_000 }, () => {
    it('a ServiceAccount bound to them traces live as the admin does', async () => {
      const args = ['trace', 'client', 'svc/web:80', '-n', NS, '-o', 'json', ...IMAGE];
      const asSa = await runCliAsync(args, saEnv);
      noStack(asSa);
      expect(asSa.status, asSa.stderr).toBe(0);
      const asAdmin = await runCliAsync(args, adminEnv);
      const summary = (r: CliRun): unknown => {
        const t = JSON.parse(r.stdout) as { disposition: string; branches: { endpoint?: { pod?: string } }[] };
        return [t.disposition, t.branches.map((b) => b.endpoint?.pod)];
      };
      expect(summary(asSa)).toEqual(summary(asAdmin));
      expect(summary(asSa)).toEqual(['delivered', [`${NS}/web`]]);
    });

    it('the ServiceAccount reads flannel’s net-conf ConfigMap outside kube-system (the rule by name): cidr has flannel’s network', async () => {
      const r = await runCliAsync(['cidr', '-o', 'json'], saEnv);
      expect(r.status, r.stderr).toBe(0);
      const c = JSON.parse(r.stdout) as { clusterCidrs: { claims: { source: string; cidrs: string[] }[] }; gaps: string[] };
      expect(c.clusterCidrs.claims.find((x) => x.source === 'flannel-net-conf')?.cidrs).toEqual(['10.245.0.0/16']);
      expect(c.gaps.join('\n')).not.toMatch(/forbidden|permission/i);
    });

    it('without one of them (EndpointSlices) it names what the apiserver refused and the rule to grant', async () => {
      const role = rbac.find((d) => d.kind === 'ClusterRole') as RbacDoc;
      const index = role.rules?.findIndex((r) => r.resources.includes('endpointslices')) ?? -1;
      expect(index).toBeGreaterThanOrEqual(0);
      const patched = k.kubectl(['patch', 'clusterrole', role.metadata.name, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: `/rules/${index}` }])]);
      expect(patched.status, patched.stderr).toBe(0);
      try {
        const r = await runCliAsync(['trace', 'client', 'svc/web:80', '-n', NS, ...IMAGE], saEnv);
        noStack(r);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(new RegExp(`permission denied: user "system:serviceaccount:${NS}:${SA}" cannot list endpointslices`));
        expect(r.stderr).toMatch(/netx needs get, list on endpointslices\.discovery\.k8s\.io/);
      } finally {
        expect(k.kubectl(['apply', '-f', '-'], JSON.stringify(role)).status).toBe(0);
      }
    });
  });

  describe('a probe namespace enforcing Pod Security baseline', { timeout: 150_000 }, () => {
    it('netx says the probe pod was refused there, why, and what to change; it leaves nothing behind', async () => {
      const r = await runCliAsync(['trace', 'client', 'svc/web:80', '-n', NS, '--probe-namespace', 'kl-baseline', ...IMAGE], adminEnv);
      noStack(r);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/Pod Security admission in namespace kl-baseline rejected the probe pod/);
      expect(r.stderr).toMatch(/privileged/);
      expect(k.kubectl(['-n', 'kl-baseline', 'get', 'pods,jobs', '-o', 'name']).stdout.trim()).toBe('');
    });
  });
}

labSuites('kube-lab access', accessSuites);
