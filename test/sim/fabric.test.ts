/**
 * Past the snapshot's edge (src/sim/fabric.ts) on hand-built flannel-shaped nodes: when the network beyond is taken
 * to deliver, and when it is not (the nodes route pod addresses themselves, or a node address no interface holds).
 */
import { describe, expect, it } from 'vitest';
import type { NodeModel } from '../../src/model/node.js';
import { makeWorld, newPacket, simulate, type Branch } from '../../src/sim/index.js';
import { CLUSTER_RANGES, runCase, twoNodes } from './harness.js';
import { NODE_A, NODE_B, podsOf } from './topology.js';

const withoutRouteToB = (m: NodeModel): void => {
  if (m.name === 'node-a') m.routes = m.routes.filter((r) => r.dst !== '10.244.1.0/24');
};
const only = (b: Branch[]): Branch => {
  expect(b).toHaveLength(1);
  return b[0]!;
};

describe('the network beyond a node', () => {
  it('an overlay node that lost a pod route: not delivered by assumption (the nodes route pod addresses themselves)', () => {
    const b = only(runCase(twoNodes({}, withoutRouteToB), { name: '', source: 'default/client', destination: '10.244.1.5', port: 8080, disposition: '' }));
    expect(b.disposition).toBe('insufficient-info');
    expect(b.reason).toMatch(/leaves node-a by eth0 towards 172\.18\.0\.1, which is not a node in the snapshot; 10\.244\.1\.5 belongs to pod default\/web-b, but the nodes route pod addresses themselves \(on node-b: 10\.244\.0\.0\/24 via 10\.244\.0\.0 dev flannel\.1/);
    expect(b.hops.flatMap((h) => h.steps).some((s) => s.assumption)).toBe(false);
  });

  it('a node address behind the gateway: delivered to that node, arriving on the interface that holds it', () => {
    // node-b also has an address on another network, reached from node-a only through its default gateway.
    const nodes = twoNodes({}, (m) => {
      if (m.name !== 'node-b') return;
      m.addresses.push({ ifname: 'eth0', ifindex: 2, family: 4, local: '198.51.100.7', prefixlen: 32, scope: 'global' });
      m.routes.push({ family: 4, table: 255, type: 'local', dst: '198.51.100.7/32', dev: 'eth0', flags: [] });
    });
    const world = makeWorld(nodes, podsOf(NODE_A, NODE_B), { 'node-a': [NODE_A.ip], 'node-b': [NODE_B.ip, '198.51.100.7'] }, true, CLUSTER_RANGES);
    const b = only(simulate(world, newPacket({ proto: 'tcp', saddr: '', daddr: '198.51.100.7', dport: 10250 }), { kind: 'local', node: 'node-a' }));
    expect([b.disposition, b.endpoint?.node]).toEqual(['delivered', 'node-b']);
    const hop = b.hops.flatMap((h) => h.steps).find((s) => s.assumption);
    expect(hop?.assumption).toMatchObject({ kind: 'underlay', gateway: '172.18.0.1', toNode: 'node-b', owner: 'node', basis: expect.stringMatching(/arriving on eth0 \(it holds 198\.51\.100\.7\)/) });
  });

  it('a node address that none of its interfaces holds (a cloud public address): insufficient-info, not a loop', () => {
    const world = makeWorld(twoNodes({}), podsOf(NODE_A, NODE_B), { 'node-a': [NODE_A.ip], 'node-b': [NODE_B.ip, '198.51.100.7'] }, true, CLUSTER_RANGES);
    const b = only(simulate(world, newPacket({ proto: 'tcp', saddr: '', daddr: '198.51.100.7', dport: 10250 }), { kind: 'local', node: 'node-a' }));
    expect(b.disposition).toBe('insufficient-info');
    expect(b.reason).toMatch(/an address of node node-b \(its Node object\) that none of its interfaces holds/);
  });

  it("a pod address on the sending node's own segment, owned by another node's pod (a VPC subnet): handed over by the segment", () => {
    const podIp = '172.18.5.5';
    // No overlay here: the nodes route no pod addresses through flannel.1 (the VPC knows them).
    const nodes = twoNodes({}, (m) => {
      m.routes = m.routes.filter((r) => r.dev !== 'flannel.1');
      if (m.name === 'node-b') m.routes.push({ family: 4, table: 254, type: 'unicast', dst: `${podIp}/32`, dev: 'veth-webb', scope: 'link', flags: [] });
    });
    const pods = [...podsOf(NODE_A), { name: 'default/vpc-pod', ips: [podIp], node: 'node-b' }];
    const world = makeWorld(nodes, pods, { 'node-a': [NODE_A.ip], 'node-b': [NODE_B.ip] }, true, CLUSTER_RANGES);
    const b = only(simulate(world, newPacket({ proto: 'tcp', saddr: '', daddr: podIp, dport: 80 }), { kind: 'local', node: 'node-a' }));
    expect([b.disposition, b.endpoint?.pod]).toEqual(['delivered', 'default/vpc-pod']);
    const a = b.hops.flatMap((h) => h.steps).find((s) => s.assumption)?.assumption;
    expect(a).toMatchObject({ kind: 'underlay', dev: 'eth0', toNode: 'node-b', owner: 'pod' });
    expect(a && 'gateway' in a ? a.gateway : undefined).toBeUndefined();
  });
});
