/**
 * The same cases as walk.test.ts on kube-proxy nftables-mode rules: rendered like kube-proxy, loaded
 * by the kernel in a throwaway network namespace to get `nft -j list ruleset`, parsed by the nft JSON
 * parser. Skipped (with the reason) where network namespaces cannot be made.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNftJson } from '../../src/parse/netfilter/nft-json.js';
import { renderNftables } from '../lab/kube-proxy/nftables.js';
import { CASES, SERVICES } from './kube-proxy-cases.js';
import { expectCase, runCase, twoNodes } from './harness.js';

/** Loads nft text in a fresh namespace and returns the kernel's JSON dump; undefined when not possible. */
function kernelJson(text: string): string | undefined {
  const ns = `netx-simtest-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'netx-sim-'));
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'pipe' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  try {
    const file = path.join(dir, 'rules.nft');
    writeFileSync(file, text);
    execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', file], { stdio: 'pipe' });
    return execFileSync('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } finally {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  }
}

// The kernel's dumps are made once, while the file loads; they are parsed in each test, so that every line of the
// parser a test reaches counts for that test (a mutation run then runs only the tests that reach it).
const json = { 'node-a': kernelJson(renderNftables(SERVICES('node-a', '172.18.0.2'))), 'node-b': kernelJson(renderNftables(SERVICES('node-b', '172.18.0.3'))) };
const nftRuleset = (node: 'node-a' | 'node-b') => parseNftJson(json[node]!, { source: `nft ${node}` });

describe.skipIf(!json['node-a'] || !json['node-b'])('simulator, kube-proxy nftables mode (kernel-loaded rules, nft JSON parser)', () => {
  const nodes = () => twoNodes({ 'node-a': nftRuleset('node-a'), 'node-b': nftRuleset('node-b') });
  for (const c of CASES) it(c.name, () => expectCase(runCase(nodes(), c), c));

  it('a ClusterIP port without a service is rejected by cluster-ips-check (nftables mode only)', () => {
    const br = runCase(nodes(), { name: '', source: 'default/client', destination: '10.96.0.10', port: 81, disposition: '' });
    expect(br.map((x) => x.disposition)).toEqual(['rejected']);
  });

  it('endpoint choice is a numgen vmap: each branch names its map element', () => {
    const br = runCase(nodes(), { name: '', source: 'default/client', destination: '10.96.0.10', port: 80, disposition: '' });
    expect(br).toHaveLength(2);
    for (const x of br) expect(x.notes.join(' ')).toMatch(/numgen/);
  });
});
