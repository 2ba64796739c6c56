/**
 * kubectl manners, tried the way a new user tries them: the built plugin in a subprocess, on the
 * bundled snapshots and against the test API server. One block per habit a kubectl user brings.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, liveCluster, runCli, type CliRun } from '../support/cli.js';
import { REPO_ROOT } from '../support/corpus.js';
import { parseSnapshot } from '../../src/snapshot/io.js';

const SNAP = path.join(REPO_ROOT, 'examples', 'lab-flannel-iptables.snapshot.json');
const FORWARD_DROP = path.join(REPO_ROOT, 'test', 'fixtures', 'lab', 'forward-drop.snapshot.json');
const BIN_DIR = path.join(REPO_ROOT, 'bin');
const ENV = { ...process.env, NO_COLOR: '1' };

let dir = '';
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'netx-new-user-'));
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const netx = (...args: string[]): CliRun => runCli(args, { env: ENV, cwd: dir || REPO_ROOT });

/** One `error:` line, at most one `hint:` line, no stack trace, nothing on stdout. */
function expectCleanError(r: CliRun, status: number, message: RegExp): void {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines[1]) expect(lines[1]).toMatch(/^hint: /);
  expect(r.stderr).not.toMatch(/\n\s+at |›/);
}

describe('help reads like kubectl', { timeout: 60_000 }, () => {
  it('usage and examples say `$ kubectl netx …`, never `$ kubectl-netx`', () => {
    for (const args of [['--help'], ['trace', '--help'], ['collect', '--help'], ['cidr', '--help']]) {
      const r = netx(...args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/\$ kubectl netx/);
      expect(r.stdout).not.toMatch(/\$ kubectl-netx/);
    }
    expect(netx('trace', '--help').stdout).toContain('$ kubectl netx trace client svc/web:80');
  });

  it('every command\'s help names its defaults as a user types them (the output format by name, never an object)', () => {
    for (const cmd of ['trace', 'policy', 'cidr', 'proxy-mode', 'collect', 'rbac', 'cleanup']) {
      const help = netx(cmd, '--help').stdout;
      expect(help, cmd).not.toContain('[object Object]');
      if (cmd !== 'collect' && cmd !== 'cleanup') expect(help, cmd).toMatch(/\[default: (text|yaml)\] Output format/);
    }
  });

  it('-h works like --help, on the plugin and on a command', () => {
    expect(netx('-h').stdout).toBe(netx('--help').stdout);
    const r = netx('trace', '-h');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(netx('trace', '--help').stdout);
  });

  it('`kubectl netx help trace` is the trace help; `help` lists the commands; an unknown topic is one clean error', () => {
    const r = netx('help', 'trace');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(netx('trace', '--help').stdout);
    expect(netx('help').stdout).toMatch(/^\s+trace\s/m);
    expectCleanError(netx('help', 'trcae'), 2, /^error: unknown command "trcae" for "kubectl netx"$/);
  });
});

describe('global flags before the command', { timeout: 60_000 }, () => {
  it('`kubectl netx -n default --snapshot F trace …` runs trace with those flags', () => {
    const before = netx('-n', 'default', '--snapshot', SNAP, 'trace', 'client', 'svc/web:80', '-o', 'json');
    expect(before.status, before.stderr).toBe(0);
    expect(before.stdout).toBe(netx('trace', 'client', 'svc/web:80', '-n', 'default', '--snapshot', SNAP, '-o', 'json').stdout);
    const eq = netx('--namespace=default', `--snapshot=${SNAP}`, '--no-color', 'cidr', '-o', 'json');
    expect(eq.status, eq.stderr).toBe(0);
  });

  it('only flags: the plugin help, as kubectl prints its own', () => {
    const r = netx('-n', 'default');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^COMMANDS$/m);
  });
});

describe('a mistyped command', { timeout: 60_000 }, () => {
  it('one clean line and the nearest command', () => {
    const r = netx('trac', 'client', 'svc/web:80');
    expectCleanError(r, 2, /^error: unknown command "trac" for "kubectl netx"$/);
    expect(r.stderr).toMatch(/^hint: did you mean trace\? /m);
    expect(netx('proxymode').stderr).toMatch(/did you mean proxy-mode\?/);
  });
});

describe('errors say everything', { timeout: 60_000 }, () => {
  it('a missing argument is named', () => {
    expectCleanError(netx('trace'), 2, /^error: missing arguments SRC and DST$/);
    expectCleanError(netx('trace', 'client'), 2, /^error: missing argument DST$/);
    expectCleanError(netx('policy', 'client'), 2, /^error: missing argument DST$/);
  });

  it('--port says why a value is refused', () => {
    expectCleanError(netx('trace', 'client', 'svc/web', '--port', 'abc', '--snapshot', SNAP), 2, /^error: invalid value "abc" for --port: not a port number/);
    expectCleanError(netx('trace', 'client', 'svc/web', '--port', '99999', '--snapshot', SNAP), 2, /^error: invalid value "99999" for --port: out of range: ports are 1 to 65535$/);
    expectCleanError(netx('policy', 'client', 'svc/web', '--port', '0', '--snapshot', SNAP), 2, /for --port: out of range/);
  });

  it('--request-timeout abc is a bad flag: exit 2 with the reason, live or not', () => {
    expectCleanError(netx('cidr', '--request-timeout', 'abc'), 2, /^error: invalid value "abc" for --request-timeout: not a duration/);
    expectCleanError(netx('trace', 'client', 'svc/web', '--request-timeout', 'abc', '--snapshot', SNAP), 2, /for --request-timeout: not a duration/);
  });

  it('--probe-timeout abc is a bad flag too: exit 2 with the reason', () => {
    expectCleanError(netx('trace', 'client', 'svc/web', '--probe-timeout', 'abc', '--snapshot', SNAP), 2, /^error: invalid value "abc" for --probe-timeout: not a duration/);
    expectCleanError(netx('collect', '--probe-timeout', '2x'), 2, /for --probe-timeout: not a duration/);
  });

  it('an unknown flag and an extra argument', () => {
    expectCleanError(netx('cidr', '--bogus', '--snapshot', SNAP), 2, /^error: unknown flag: --bogus$/);
    expectCleanError(netx('trace', 'client', 'svc/web', 'extra', '--snapshot', SNAP), 2, /^error: unexpected argument: extra$/);
  });
});

describe('collect: -o is a format, the file has its own flag', { timeout: 60_000 }, () => {
  it('-o json prints the snapshot (no file named json)', () => {
    const r = netx('collect', '--snapshot', SNAP, '-o', 'json');
    expect(r.status, r.stderr).toBe(0);
    expect(parseSnapshot(r.stdout, 'stdout').kind).toBe('NetxSnapshot');
    expect(existsSync(path.join(dir, 'json'))).toBe(false);
  });

  it('-o yaml prints it as YAML', () => {
    const r = netx('collect', '--snapshot', SNAP, '-o', 'yaml');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^kind: NetxSnapshot$/m);
    expect(existsSync(path.join(dir, 'yaml'))).toBe(false);
  });

  it('-o FILE (any other value) and --file FILE write the file', () => {
    const a = netx('collect', '--snapshot', SNAP, '-o', 'snapshot.json');
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toBe('');
    expect(a.stderr).toMatch(/^wrote snapshot\.json: /);
    const b = netx('collect', '--snapshot', SNAP, '--file', 'json');
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'json'), 'utf8')).toBe(readFileSync(path.join(dir, 'snapshot.json'), 'utf8'));
    expect(netx('collect', '--snapshot', SNAP, '-o', 'json').stdout).toBe(readFileSync(path.join(dir, 'snapshot.json'), 'utf8'));
  });

  it('-o jsonpath picks from it; a human format is refused with the way to name such a file', () => {
    expect(netx('collect', '--snapshot', SNAP, '-o', 'jsonpath={.cluster.objects.nodes[*].metadata.name}').stdout).toBe('node-a node-b');
    const r = netx('collect', '--snapshot', SNAP, '-o', 'wide');
    expectCleanError(r, 2, /^error: collect writes a snapshot: -o wide is no format of it$/);
    expect(r.stderr).toContain('--file wide');
    expectCleanError(netx('collect', '--snapshot', SNAP, '-o', 'a.json', '--file', 'b.json'), 2, /cannot also be provided|--file/);
  });
});

describe('one -o vocabulary', { timeout: 120_000 }, () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'trace.schema.json'), 'utf8')) as object);

  it.each([
    ['trace', 'client', 'svc/web:80'],
    ['policy', 'client', 'svc/web:80'],
    ['cidr'],
    ['proxy-mode'],
  ])('%s takes text, wide, json, yaml, name and jsonpath', (...cmd) => {
    for (const o of ['text', 'wide', 'json', 'yaml', 'name', 'jsonpath={.kind}{"\\n"}', 'jsonpath-as-json={.kind}']) {
      const r = netx(...cmd, '--snapshot', SNAP, '-o', o);
      expect(r.status, `${cmd.join(' ')} -o ${o}: ${r.stderr}`).toBe(0);
    }
  });

  it('-o name: what the report is about, kubectl-style', () => {
    expect(netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-o', 'name').stdout).toBe('pod/web-0\npod/web-1\npod/web-2\n');
    expect(netx('trace', 'client', 'svc/web:80', '--snapshot', FORWARD_DROP, '-o', 'name').stdout).toBe('pod/web-0\npod/web-2\n');
    expect(netx('cidr', '--snapshot', SNAP, '-o', 'name').stdout).toBe('node/node-a\nnode/node-b\n');
    expect(netx('proxy-mode', '--snapshot', SNAP, '-o', 'name').stdout).toBe('node/node-a\nnode/node-b\n');
  });

  it('rbac speaks the same -o: yaml by default, json, name and jsonpath', () => {
    expect(netx('rbac').stdout).toMatch(/^# Minimal permissions/);
    expect(JSON.parse(netx('rbac', '-o', 'json').stdout)).toMatchObject({ kind: 'List' });
    expect(netx('rbac', '--probe-namespace', 'netx-probe', '-o', 'name').stdout).toBe(
      'namespace/netx-probe\nclusterrole.rbac.authorization.k8s.io/kubectl-netx\nrole.rbac.authorization.k8s.io/kubectl-netx\nrole.rbac.authorization.k8s.io/kubectl-netx\n',
    );
    expect(netx('rbac', '-o', 'jsonpath={.items[*].kind}').stdout).toBe('ClusterRole Role');
    expectCleanError(netx('rbac', '-o', 'wide'), 2, /for --output: not an output format of this command/);
  });

  it('-o wide: trace\'s endpoints table adds the nodes crossed and the packet as it arrives', () => {
    const r = netx('trace', 'client', 'svc/web:80', '--snapshot', FORWARD_DROP, '-o', 'wide');
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^\s+odds\s+result\s+endpoint\s+node\s+nodes\s+arrives as\s+path$/m);
    expect(r.stdout).toMatch(/dropped\s+10\.244\.1\.10:8080\s+node-b\s+node-a → node-b\s+tcp 10\.244\.0\.10 → 10\.244\.1\.10:8080\s+dropped by ip filter FORWARD/);
  });

  it('-o jsonpath as kubectl users script it (no newline added), exit code kept', () => {
    const ok = netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-o', 'jsonpath={.disposition}');
    expect(ok).toMatchObject({ status: 0, stdout: 'delivered' });
    const bad = netx('trace', 'client', 'svc/web:80', '--snapshot', FORWARD_DROP, '-o', 'jsonpath={range .branches[*]}{.final.daddr}={.disposition}{"\\n"}{end}');
    expect(bad.status).toBe(3);
    expect(bad.stdout).toBe('10.244.0.11=delivered\n10.244.1.10=dropped\n10.244.1.11=delivered\n');
  });

  it('a service with several ports: still one object, `.disposition` and `.branches[]` at the top, the traces listed', () => {
    const one = JSON.parse(netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-o', 'json').stdout) as Record<string, unknown>;
    const many = JSON.parse(netx('trace', 'client', 'svc/web', '--snapshot', FORWARD_DROP, '-o', 'json').stdout) as {
      disposition: string;
      branches: { trace: number; disposition: string }[];
      traces: { destination: { port: number }; disposition: string }[];
    };
    for (const doc of [one, many]) expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(one.traces).toBeUndefined();
    expect(Array.isArray(many)).toBe(false);
    expect(many.disposition).toBe('dropped');
    expect(many.traces.map((t) => [t.destination.port, t.disposition])).toEqual([
      [80, 'dropped'],
      [53, 'delivered'],
    ]);
    expect(many.branches).toHaveLength(6);
    expect(many.branches.filter((b) => b.disposition === 'dropped').map((b) => b.trace)).toEqual([0]);
    // Each branch once: the traces carry everything else.
    expect(many.traces.every((t) => !('branches' in t))).toBe(true);
  });

  it('a format a command does not have is a bad flag naming the ones it has', () => {
    expectCleanError(netx('cidr', '--snapshot', SNAP, '-o', 'mermaid'), 2, /^error: invalid value "mermaid" for --output: not an output format of this command: use one of text, wide, json, yaml, name, jsonpath=TEMPLATE/);
  });
});

describe('-v as kubectl users type it', { timeout: 120_000 }, () => {
  it('-v, -v=6, --v=6, -v 2 are accepted', () => {
    for (const v of [['-v'], ['-v=6'], ['--v=6'], ['-v', '2'], ['--verbose']]) {
      const r = netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, ...v);
      expect(r.status, `${v.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^Path 3 of 3/m);
    }
    expect(netx('-v=6', 'cidr', '--snapshot', SNAP).status).toBe(0);
  });

  it('json and yaml say on stderr that -v adds nothing to them; mermaid shows the deciding rules', () => {
    const j = netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-o', 'json', '-v');
    expect(j.status).toBe(0);
    expect(j.stdout).toBe(netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-o', 'json').stdout);
    expect(j.stderr).toMatch(/^note: -v adds nothing to trace -o json: the document already holds every path, step and rule evaluated$/m);
    expect(netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-o', 'yaml', '-v').stderr).toMatch(/-v adds nothing to trace -o yaml/);
    const m = netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-o', 'mermaid', '-v');
    expect(m.stderr).toBe('');
    expect(m.stdout).toContain('ip filter FLANNEL-FWD  ACCEPT');
    expect(netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-o', 'mermaid').stdout).not.toContain('FLANNEL-FWD');
  });

  it('-v=6 logs every API request on stderr (method, URL, status, time), the report unchanged', async () => {
    const live = await liveCluster({ snapshot: parseSnapshot(readFileSync(SNAP, 'utf8'), SNAP) }, 'v6');
    try {
      const quiet = await live.run(['cidr', '--kubeconfig', live.kubeconfig, '--no-probe', '-o', 'json']);
      const loud = await live.run(['cidr', '--kubeconfig', live.kubeconfig, '--no-probe', '-o', 'json', '-v=6']);
      expect(loud.status, loud.stderr).toBe(0);
      expect(quiet.stderr).toBe('');
      expect(loud.stderr).toMatch(new RegExp(`^api: GET ${live.server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/api/v1/nodes\\S* 200 OK in \\d+ ms$`, 'm'));
      const report = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), capturedAt: undefined });
      expect(report(loud.stdout)).toEqual(report(quiet.stdout));
    } finally {
      await live.close();
    }
  });
});

describe('a workload as SRC, as kubectl exec deploy/x', { timeout: 60_000 }, () => {
  let file = '';
  beforeAll(() => {
    // The lab's web pods become a Deployment's (ReplicaSet web-7c9d8f6b5); web-1 has been ready longest.
    const snap = JSON.parse(readFileSync(SNAP, 'utf8')) as { cluster: { objects: { pods: Record<string, any>[] } } };
    for (const p of snap.cluster.objects.pods) {
      const name = p.metadata.name as string;
      if (name.startsWith('web-')) {
        p.metadata.labels = { ...p.metadata.labels, 'pod-template-hash': '7c9d8f6b5' };
        p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7c9d8f6b5', uid: 'rs', controller: true }];
        const ready = p.status.conditions.find((c: { type: string }) => c.type === 'Ready');
        ready.lastTransitionTime = name === 'web-1' ? '2026-11-22T23:00:00Z' : '2026-11-23T00:04:32Z';
      }
      if (name === 'echo-0') p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'echo', uid: 'ss', controller: true }];
    }
    file = path.join(dir, 'workloads.snapshot.json');
    writeFileSync(file, JSON.stringify(snap));
  });

  it('deploy/web traces from the pod kubectl exec would pick, and says which on stderr', () => {
    const r = netx('trace', 'deploy/web', 'svc/echo', '--snapshot', file, '-o', 'json');
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { source: { name: string } }).source.name).toBe('default/web-1');
    expect(r.stderr).toBe('Found 3 pods of deployment/web, using pod/web-1 (the one kubectl exec deployment/web would pick: scheduled, running, ready the longest)\n');
    for (const spelling of ['deployment/web', 'deployments/web', 'deploy/default/web']) {
      expect(netx('trace', spelling, 'svc/echo', '--snapshot', file, '-o', 'jsonpath={.source.name}').stdout).toBe('default/web-1');
    }
  });

  it('sts/NAME, and policy takes the same SRC', () => {
    const r = netx('trace', 'sts/echo', 'svc/web:80', '--snapshot', file, '-o', 'jsonpath={.source.name}');
    expect(r).toMatchObject({ status: 0, stdout: 'default/echo-0' });
    expect(r.stderr).toBe('statefulset/echo has one pod: using pod/echo-0\n');
    const p = netx('policy', 'deploy/web', 'svc/echo', '--snapshot', file, '-o', 'json');
    expect(p.status, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { source: { name: string } }).source.name).toBe('default/web-1');
  });

  it('a workload without pods is a clean error with the near name', () => {
    const r = netx('trace', 'deploy/wbe', 'svc/echo', '--snapshot', file);
    expectCleanError(r, 1, /^error: no pods of deployment\/wbe in namespace default$/);
    expect(r.stderr).toMatch(/^hint: did you mean web\?$/m);
  });
});

describe('tables fit the terminal; notes keep the probe to -o wide', { timeout: 60_000 }, () => {
  const at80 = (...args: string[]) => runCli(args, { env: { ...ENV, COLUMNS: '80' }, cwd: dir });
  const NFT_DOWN = path.join(REPO_ROOT, 'test', 'fixtures', 'lab', 'no-endpoints-nftables.snapshot.json');

  it.each([
    ['proxy-mode', SNAP],
    ['proxy-mode', NFT_DOWN],
    ['cidr', SNAP],
  ])('%s (%s) fits 80 columns', (cmd, file) => {
    const r = at80(cmd, '--snapshot', file);
    expect(r.status, r.stderr).toBe(0);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('the wrapped proxy-mode table keeps its columns: every node row starts with the node name', () => {
    const lines = at80('proxy-mode', '--snapshot', NFT_DOWN).stdout.split('\n');
    const header = lines.findIndex((l) => /^\s+node\s+effective\s+evidence/.test(l));
    expect(lines[header + 1]).toMatch(/^ {2}node-a {2}\S/);
    expect(lines.some((l) => /^ {2}node-b {2}nftables/.test(l))).toBe(true);
  });

  it('notes say what was not read without printing the probe\'s commands; -o wide has them', () => {
    const r = at80('proxy-mode', '--snapshot', SNAP);
    expect(r.stdout).toMatch(/^i note: ipvs not read on node-a, node-b — could not change the answer/m);
    expect(r.stdout).not.toMatch(/sh: 1:|curl:|command -v/);
    expect(netx('proxy-mode', '--snapshot', SNAP, '-o', 'wide').stdout).toContain('sh: 1: ipvsadm: not found');
  });

  it('a pipe without $COLUMNS gets whole lines', () => {
    const r = netx('cidr', '--snapshot', SNAP);
    expect(r.stdout.split('\n')[0]!.length).toBeGreaterThan(80);
  });
});

describe('trace text: the answer first, the detail on request', { timeout: 60_000 }, () => {
  it('a three-endpoint trace: verdict, endpoints, one path, findings, in a few KB', () => {
    const r = netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeLessThan(4500);
    expect(r.stdout.match(/^Path \d of 3/gm)).toEqual(['Path 2 of 3']);
    expect(r.stdout).toContain('2 more paths in the table above: -v shows every path step by step, with every rule evaluated');
    const v = netx('trace', 'client', 'svc/web:80', '--snapshot', SNAP, '-v');
    expect(v.stdout.match(/^Path \d of 3/gm)).toEqual(['Path 1 of 3', 'Path 2 of 3', 'Path 3 of 3']);
    expect(v.stdout).toMatch(/no match\s+KUBE-SERVICES line \d+/);
  });

  it('a failing trace shows the failing path, ending in the rule that dropped it', () => {
    const r = netx('trace', 'client', 'svc/web:80', '--snapshot', FORWARD_DROP);
    expect(r.status).toBe(3);
    expect(r.stdout.match(/^Path \d of 3.*$/gm)).toEqual(['Path 2 of 3 (33%) → dropped']);
    expect(r.stdout).toMatch(/ip filter FORWARD {2}DROP {2}\(line 31\)\n\s+-A FORWARD -d 10\.244\.1\.10\/32 -p tcp -m comment --comment "netx-lab: block web-1" -j DROP/);
  });
});

describe('shell completion', { timeout: 120_000 }, () => {
  const complete = (...words: string[]) => netx('__complete', ...words);
  const values = (r: CliRun) => r.stdout.trimEnd().split('\n').slice(0, -1).map((l) => l.split('\t')[0]);
  const directive = (r: CliRun) => Number(r.stdout.trimEnd().split('\n').at(-1)!.slice(1));

  it('completion bash|zsh|fish print scripts that call __complete', () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = netx('completion', shell);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('__complete');
      expect(r.stdout).toContain('kubectl-netx');
    }
    expectCleanError(netx('completion', 'tcsh'), 2, /tcsh/);
  });

  it('commands, flags, and flag values', () => {
    expect(values(complete('tr'))).toEqual(['trace']);
    expect(values(complete('trace', '--fam'))).toEqual(['--family']);
    expect(values(complete('trace', '-o', ''))).toEqual(['text', 'wide', 'json', 'yaml', 'name', 'jsonpath=', 'jsonpath-as-json=', 'mermaid']);
    expect(values(complete('cidr', '--output=j'))).toEqual(['--output=json', '--output=jsonpath=', '--output=jsonpath-as-json=']);
    const json = complete('cidr', '-o', 'jsonp');
    expect(directive(json) & 2).toBe(2);
    expect(values(complete('completion', ''))).toEqual(['bash', 'zsh', 'fish']);
  });

  it('pod, service, port and node names from the snapshot on the line', () => {
    const src = complete('trace', '--snapshot', SNAP, 'we');
    expect(values(src)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(values(complete('trace', '--snapshot', SNAP, 'client', 'svc/w'))).toEqual(['svc/web', 'svc/web:', 'svc/web-np']);
    const ports = complete('--snapshot', SNAP, 'trace', 'client', 'svc/web:');
    expect(values(ports)).toEqual(['svc/web:80', 'svc/web:http', 'svc/web:53', 'svc/web:dns']);
    expect(values(complete('trace', '--snapshot', SNAP, 'node/'))).toEqual(['node/node-a', 'node/node-b']);
    expect(values(complete('trace', '--snapshot', SNAP, 'client', 'svc/web', '--from-node', ''))).toEqual(['node-a', 'node-b']);
    expect(directive(complete('trace', '--snapshot', SNAP, 'client', 'svc/'))).toBe(4);
  });

  it('names from the cluster, and a hanging API server costs a bounded moment and prints nothing but the directive', async () => {
    const live = await liveCluster({ snapshot: parseSnapshot(readFileSync(SNAP, 'utf8'), SNAP) }, 'complete');
    try {
      const pods = await live.run(['__complete', 'trace', '--kubeconfig', live.kubeconfig, 'web-']);
      expect(values(pods as CliRun)).toEqual(['web-0', 'web-1', 'web-2']);
      const ns = await live.run(['__complete', '--kubeconfig', live.kubeconfig, '-n', '']);
      expect(values(ns as CliRun)).toEqual(expect.arrayContaining(['default', 'kube-system']));
      const ctx = await live.run(['__complete', '--kubeconfig', live.kubeconfig, '--context', '']);
      expect(values(ctx as CliRun)).toEqual(['netx-test']);
      live.server.fault({ path: /./, action: { kind: 'hang' } });
      const started = Date.now();
      const hung = await live.run(['__complete', 'trace', '--kubeconfig', live.kubeconfig, '--request-timeout', '1s', 'web-']);
      expect(Date.now() - started).toBeLessThan(8000);
      expect(hung).toMatchObject({ status: 0, stdout: ':4\n', stderr: '' });
    } finally {
      await live.close();
    }
  });

  it('no cluster at all: silent', () => {
    const r = runCli(['__complete', 'trace', ''], { env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' }, cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(values(r)).toContain('pod/');
  });

  it('the bash script completes through __complete', () => {
    const script = `source <(kubectl-netx completion bash); COMP_WORDS=(kubectl-netx trace --snapshot ${SNAP} client svc/web:); COMP_CWORD=5; _kubectl_netx_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['-c', script], { encoding: 'utf8', env: { ...ENV, PATH: `${BIN_DIR}:${process.env.PATH}` } });
    expect(out.trimEnd().split('\n')).toEqual(['svc/web:80', 'svc/web:http', 'svc/web:53', 'svc/web:dns']);
  });

  it.skipIf(!existsSync('/usr/bin/kubectl'))('kubectl 1.26+ completes `kubectl netx …` through bin/kubectl_complete-netx', () => {
    const env = { PATH: `${BIN_DIR}:/usr/bin:/bin`, HOME: '/nonexistent', NO_COLOR: '1' };
    const r = spawnSync('/usr/bin/kubectl', ['__complete', 'netx', 'trace', '--snapshot', SNAP, 'client', 'svc/web:'], { encoding: 'utf8', env, timeout: 60_000 });
    expect(r.stdout.trimEnd().split('\n')).toEqual(['svc/web:80', 'svc/web:http', 'svc/web:53', 'svc/web:dns', ':4']);
    expect(r.stderr).toContain('kubectl_complete-netx');
  });
});
