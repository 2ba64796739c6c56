/**
 * Generated scenarios on the kernel: whatever the services, endpoints and DROP rules, the answers
 * obey the Kubernetes rules (only selected, non-blocked pods answer; no endpoints → refused; a
 * targetPort nothing listens on → refused; a healthy service answers every attempt).
 */
import { describe, expect, it } from 'vitest';
import { randomPlan, randomScenario, prng } from './random.js';
import { runScenario } from './run-scenario.js';
import { requireLab } from './support.js';
import { standardSpec } from './topologies.js';

describe('random scenario generator', () => {
  it('is deterministic per seed and varies across seeds', () => {
    const base = standardSpec('vxlan', 'iptables');
    expect(randomPlan(base, 7)).toEqual(randomPlan(base, 7));
    const shapes = new Set([1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(randomPlan(base, s).spec.services.map((x) => x.ports))));
    expect(shapes.size).toBeGreaterThan(1);
    const r = prng(1);
    const xs = Array.from({ length: 1000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe.each([
  [101, 'vxlan', 'iptables'],
  [102, 'host-gw', 'nftables'],
] as const)('random scenario seed %i on %s / %s', (seed, topology, mode) => {
  it('answers follow services, endpoints and DROP rules', async (ctx) => {
    requireLab(ctx);
    const plan = randomPlan(standardSpec(topology, mode), seed);
    const r = await runScenario(randomScenario(seed), topology, mode);
    const dropped = new Set(plan.drops.map((d) => d.pod));
    for (const o of r.fixture.observations.filter((x) => x.case.from === 'client')) {
      const svc = plan.spec.services.find((s) => s.clusterIP === o.case.to.ip);
      expect(svc).toBeDefined();
      const port = svc!.ports[0]!;
      const selected = plan.spec.nodes.flatMap((n) => n.pods).filter((p) => p.labels?.['app'] === svc!.selector['app']);
      const answered = Object.keys(o.endpoints);
      for (const a of answered) {
        expect(selected.map((p) => p.name)).toContain(a);
        expect(dropped.has(a)).toBe(false);
      }
      const listening = selected.some((p) => p.ports?.some((pp) => pp.port === port.targetPort));
      if (selected.length === 0) expect(o.outcomes).toEqual({ refused: o.attempts });
      else if (!listening) expect(answered).toEqual([]);
      else if (!selected.some((p) => dropped.has(p.name))) expect(answered.reduce((n, a) => n + (o.endpoints[a] ?? 0), 0)).toBe(o.attempts);
    }
  });
});
