/** Safety by construction: a lab build + teardown leaves the host namespace exactly as it was, and leftovers of dead runs are swept. */
import { describe, expect, it } from 'vitest';
import { buildLab } from './build.js';
import { run } from './exec.js';
import { listNetns, sweepLeftovers } from './netns.js';
import { requireLab } from './support.js';
import { standardSpec } from './topologies.js';

/** The root namespace's routing, addressing, policy rules and nftables ruleset. */
async function hostState(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, argv] of [
    ['route', ['ip', '-j', 'route', 'show', 'table', 'all']],
    ['addr', ['ip', '-j', 'addr', 'show']],
    ['rule', ['ip', '-j', 'rule', 'show']],
    ['nft', ['nft', 'list', 'ruleset']],
  ] as const) {
    out[k] = (await run([...argv])).stdout;
  }
  return out;
}

const deadPid = (): number => {
  for (let pid = 4_000_000; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
};

describe('lab safety', () => {
  it('a build and teardown leaves the root namespace unchanged and removes every lab namespace', async (ctx) => {
    requireLab(ctx);
    const before = await hostState();
    const lab = await buildLab(standardSpec('vxlan', 'iptables'));
    let during: string[];
    try {
      during = (await listNetns()).filter((n) => n.startsWith(lab.prefix));
      expect(await hostState()).toEqual(before);
    } finally {
      await lab.teardown();
    }
    // underlay + 2 nodes + 5 pods
    expect(during).toHaveLength(8);
    expect((await listNetns()).filter((n) => n.startsWith(lab.prefix))).toEqual([]);
    expect(await hostState()).toEqual(before);
  });

  it('sweeps namespaces of dead lab runs and leaves those of live processes alone', async (ctx) => {
    requireLab(ctx);
    const dead = `nxl${deadPid()}x1-leftover`;
    const live = `nxl${process.pid}x999-live`;
    await run(['ip', 'netns', 'add', dead]);
    await run(['ip', 'netns', 'add', live]);
    try {
      const swept = await sweepLeftovers();
      expect(swept).toContain(dead);
      const names = await listNetns();
      expect(names).not.toContain(dead);
      expect(names).toContain(live);
    } finally {
      await run(['ip', 'netns', 'del', live], { check: false });
      await run(['ip', 'netns', 'del', dead], { check: false });
    }
  });

  it('a failing build tears down what it created', async (ctx) => {
    requireLab(ctx);
    const spec = standardSpec('vxlan', 'iptables');
    // Port 70000 cannot be bound: the pod's server never comes up.
    const broken = { ...spec, nodes: [{ name: 'node-a', pods: [{ name: 'p', ports: [{ protocol: 'TCP' as const, port: 70000 }] }] }], services: [] };
    const before = await listNetns();
    await expect(buildLab(broken)).rejects.toThrow(/server .* exited/);
    expect((await listNetns()).filter((n) => !before.includes(n) && /^nxl\d+x\d+-/.test(n))).toEqual([]);
  });
});
