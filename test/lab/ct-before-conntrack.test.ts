/**
 * Chains that run before conntrack (priority below -200 at prerouting and output: the raw table) see no connection
 * yet: the kernel's `ct state` reads invalid there, never new. A throwaway namespace sends a datagram to its peer
 * through a raw-priority output chain dropping `ct state new` (the rule's counter stays at 0) or `ct state invalid`
 * (the rule counts and drops it), and through the same drop in a chain after conntrack (priority 0: `new` matches);
 * netx, from the namespace's dumps, must agree with the counter.
 */
import { describe, expect, it } from 'vitest';
import { chainCounter, inNs, run } from './exec.js';
import { withNetns } from './netns.js';
import { requireLab } from './support.js';
import { probeNode } from '../../src/probe/node-probe.js';
import { NetnsTransport } from '../../src/probe/transport.js';
import { buildNodeModel } from '../../src/parse/node/build-node.js';
import { makeWorld, newPacket, simulate } from '../../src/sim/index.js';

const PEER = '10.9.1.2';

const withPair = <T>(fn: (ns: string) => Promise<T>): Promise<T> =>
  withNetns(
    ['ct', 'peer'],
    async ({ ct, peer }) => {
      await run(inNs(ct!, ['sh', '-c', `ip link set lo up && ip link add v0 type veth peer name v1 netns ${peer} && ip addr add 10.9.1.1/24 dev v0 && ip link set v0 up`]));
      await run(inNs(peer!, ['sh', '-c', `ip link set lo up && ip addr add ${PEER}/24 dev v1 && ip link set v1 up`]));
    },
    ({ ct }) => fn(ct!),
  );

interface Case {
  priority: number;
  state: 'new' | 'invalid';
  kernelDrops: boolean;
}

const cases: Case[] = [
  { priority: -300, state: 'new', kernelDrops: false },
  { priority: -300, state: 'invalid', kernelDrops: true },
  { priority: 0, state: 'new', kernelDrops: true },
  { priority: 0, state: 'invalid', kernelDrops: false },
];

describe('ct state before conntrack, held to the kernel (lab)', () => {
  it.for(cases)('output chain at priority $priority dropping ct state $state', async ({ priority, state, kernelDrops }, ctx) => {
    requireLab(ctx);
    await withPair(async (ns) => {
      const rules = ['table ip t {', '  chain out {', `    type filter hook output priority ${priority}; policy accept;`, `    ip daddr ${PEER} ct state ${state} counter drop`, '  }', '}', ''].join('\n');
      await run(inNs(ns, ['nft', '-f', '-']), { input: rules });
      await run(inNs(ns, ['sh', '-c', `echo x | socat -u - UDP:${PEER}:9999`]), { check: false });
      expect((await chainCounter(ns, 'ip', 't', 'out')) > 0, 'the kernel dropped it').toBe(kernelDrops);
      const model = buildNodeModel('a', await probeNode(new NetnsTransport(ns), { dumps: [] }));
      const branches = simulate(makeWorld([model]), newPacket({ proto: 'udp', saddr: '', daddr: PEER, dport: 9999 }), { kind: 'local', node: 'a' });
      expect(branches.map((b) => b.disposition === 'dropped')).toEqual([kernelDrops]);
    });
  });
});
