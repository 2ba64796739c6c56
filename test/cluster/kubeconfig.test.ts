import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeconfigFiles, resolveConnection } from '../../src/cluster/kubeconfig.js';
import { UserError } from '../../src/util/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, server: string, opts: { current?: string; namespace?: string; extraContexts?: string[] } = {}): string {
  const file = path.join(dir, name);
  const contexts = [name, ...(opts.extraContexts ?? [])];
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'shared', cluster: { server, 'certificate-authority': 'ca.crt' } }],
      users: [{ name: 'shared', user: { token: `token-${name}` } }],
      contexts: contexts.map((c) => ({ name: c, context: { cluster: 'shared', user: 'shared', ...(opts.namespace ? { namespace: opts.namespace } : {}) } })),
      ...(opts.current ? { 'current-context': opts.current } : {}),
    }),
  );
  return file;
}

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

const a = config('a', 'https://a.example:6443', { current: 'a', namespace: 'team-a' });
const b = config('b', 'https://b.example:6443', { current: 'b', extraContexts: ['only-in-b', 'a'] });
const c = config('c', 'https://c.example:6443');

describe('kubeconfig like kubectl', () => {
  it('uses --kubeconfig, the current context, and its namespace', () => {
    const conn = resolveConnection({ kubeconfig: a, requestTimeoutMs: 0, env: {} });
    expect(conn).toMatchObject({ contextName: 'a', clusterName: 'shared', server: 'https://a.example:6443', namespace: 'team-a' });
    expect(resolveConnection({ kubeconfig: a, namespace: 'x', requestTimeoutMs: 0, env: {} }).namespace).toBe('x');
  });

  it('resolves relative certificate paths against the file that names them', () => {
    const conn = resolveConnection({ kubeconfig: a, requestTimeoutMs: 0, env: {} });
    expect(conn.kc.getCurrentCluster()?.caFile).toBe(path.join(dir, 'ca.crt'));
  });

  it('merges several KUBECONFIG files: the first current-context and first definition of a name win; duplicates are fine', () => {
    const env = { KUBECONFIG: [a, b].join(path.delimiter) };
    const conn = resolveConnection({ requestTimeoutMs: 0, env });
    expect(conn.contextName).toBe('a');
    // cluster "shared" is defined in both files: a's definition wins.
    expect(conn.server).toBe('https://a.example:6443');
    const other = resolveConnection({ context: 'only-in-b', requestTimeoutMs: 0, env });
    expect(other.contextName).toBe('only-in-b');
    expect(other.namespace).toBe('default');
    // A file without current-context does not clear the first one's.
    expect(resolveConnection({ requestTimeoutMs: 0, env: { KUBECONFIG: [c, b].join(path.delimiter) } }).contextName).toBe('b');
  });

  it('skips missing KUBECONFIG entries but fails when none exist', () => {
    expect(kubeconfigFiles(undefined, { KUBECONFIG: [path.join(dir, 'missing'), a].join(path.delimiter) })).toEqual([a]);
    const e = userError(() => kubeconfigFiles(undefined, { KUBECONFIG: path.join(dir, 'missing') }));
    expect(e.message).toBe(`none of the KUBECONFIG files exist: ${path.join(dir, 'missing')}`);
  });

  it('names an unknown context and lists the available ones', () => {
    const e = userError(() => resolveConnection({ kubeconfig: b, context: 'prod', requestTimeoutMs: 0, env: {} }));
    expect(e.code).toBe('kubeconfig');
    expect(e.message).toBe(`context "prod" not found in ${b}; available: b, only-in-b, a`);
  });

  it('rejects garbage and non-kubeconfig YAML with the file name', () => {
    const garbage = path.join(dir, 'garbage');
    writeFileSync(garbage, 'clusters: [\n  - {name: x\n::::\n');
    const e = userError(() => resolveConnection({ kubeconfig: garbage, requestTimeoutMs: 0, env: {} }));
    expect(e.message).toMatch(new RegExp(`^cannot load kubeconfig ${garbage}: `));
    const list = path.join(dir, 'list');
    writeFileSync(list, 'just: a map\n');
    expect(userError(() => resolveConnection({ kubeconfig: list, requestTimeoutMs: 0, env: {} })).message).toBe(
      `${list} is not a kubeconfig: it defines no clusters, contexts or users`,
    );
  });

  it('says so when no kubeconfig exists at all', () => {
    const e = userError(() => resolveConnection({ requestTimeoutMs: 0, env: { HOME: dir } }));
    expect(e.message).toMatch(/^no kubeconfig found/);
    expect(userError(() => resolveConnection({ kubeconfig: path.join(dir, 'nope'), requestTimeoutMs: 0, env: {} })).message).toMatch(/does not exist/);
  });
});
