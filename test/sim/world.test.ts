import { describe, expect, it } from 'vitest';
import { makeWorld } from '../../src/sim/world.js';
import { flannelNode, NODE_A, NODE_B, podsOf } from './topology.js';

describe('makeWorld', () => {
  const a = flannelNode(NODE_A, [NODE_B]);
  const b = flannelNode(NODE_B, [NODE_A]);

  it('knows pods only when it was given some, unless told', () => {
    expect(makeWorld([a]).podsKnown).toBe(false);
    expect(makeWorld([a], podsOf(NODE_A)).podsKnown).toBe(true);
    // A cluster that has no pods yet, read in full, knows that every address is no pod's.
    expect(makeWorld([a], [], {}, true).podsKnown).toBe(true);
  });

  it("maps each node's own addresses to it, but not loopback or host-scope ones", () => {
    const world = makeWorld([a, b]);
    expect(world.nodeByAddr.get(NODE_A.ip)).toBe('node-a');
    expect(world.nodeByAddr.get('10.244.1.1')).toBe('node-b');
    expect(world.nodeByAddr.has('127.0.0.1')).toBe(false);
  });

  it("keeps the Node object's owner of an address a probed node also holds", () => {
    const world = makeWorld([a], [], { 'node-z': [NODE_A.ip] });
    expect(world.nodeByAddr.get(NODE_A.ip)).toBe('node-z');
    expect(world.nodeByAddr.get('10.244.0.1')).toBe('node-a');
  });

  it('maps pod addresses to pods, leaving host-network pods to their node', () => {
    const world = makeWorld([a], [...podsOf(NODE_A), { name: 'kube-system/proxy', ips: [NODE_A.ip], node: 'node-a', hostNetwork: true }]);
    expect(world.podByIp.get('10.244.0.6')?.name).toBe('default/web-a');
    expect(world.podByIp.has(NODE_A.ip)).toBe(false);
  });
});
