import chalk from 'chalk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCidr } from '../../src/analyze/cidr/index.js';
import { renderCidrText } from '../../src/render/cidr.js';
import { corpusItems, daemonSet, snapshotOf } from '../analyze/cidr/helpers.js';
import { kindSnapshot } from '../support/fixtures-cidr/kind-snapshot.js';

const level = chalk.level;
beforeAll(() => {
  chalk.level = 0;
});
afterAll(() => {
  chalk.level = level;
});

describe('renderCidrText', () => {
  const report = analyzeCidr(kindSnapshot());

  it('answer first: ranges with source and confidence, then nodes, then findings', () => {
    const text = renderCidrText(report);
    const at = (s: string) => text.indexOf(s);
    expect(at('Service CIDR')).toBe(0);
    expect(at('Service CIDR')).toBeLessThan(at('  node '));
    expect(at('  node ')).toBeLessThan(at('Findings (1 warning)'));
    expect(text).toContain('(kube-system/kube-controller-manager-kind-control-plane --cluster-cidr) · high confidence');
    expect(text).toMatch(/kind-worker2 +172\.18\.0\.3 +10\.244\.1\.0\/24 +212 +212\/253 +83\.8% +! nearly exhausted/);
    // IPv6 ranges are too big to print: shown as a power of two.
    expect(text).toMatch(/fd00:10:244::\/64 +1\/~2\^64/);
  });

  it('wide adds columns, all sources and all evidence', () => {
    const text = renderCidrText(report, { wide: true });
    expect(text).toMatch(/origin +pods +pod IPs +max pods +used\/usable +use +outside/);
    expect(text).toContain('Cluster CIDR sources:');
    expect(renderCidrText(report)).not.toContain('Cluster CIDR sources:');
  });

  it('unknown ranges say so with the best hint, and info findings are marked', () => {
    const eks = analyzeCidr(
      snapshotOf({
        nodes: corpusItems('real-eks-1.14-nodes-list-no-podcidr.json'),
        pods: [],
        services: corpusItems('real-eks-1.14-services-list-kubernetes-10.100.0.1.json'),
        daemonsets: [daemonSet('kube-system', 'aws-node')],
      }),
    );
    const text = renderCidrText(eks);
    expect(text).toMatch(/Service CIDR +unknown +\(Service default\/kubernetes clusterIP 10\.100\.0\.1: the range starts at 10\.100\.0\.0/);
    expect(text).toMatch(/ip-\S+ +\S+ +— +0 .*i no podCIDR/);
    expect(text).toContain('i 2 node(s) have no podCIDR; expected: aws-vpc-cni does not use node podCIDRs');
  });

  it('no findings reads as such', () => {
    const empty = analyzeCidr(snapshotOf({ nodes: [], pods: [], services: [], servicecidrs: [] }, { serviceCidrProbe: { message: 'The range of valid IPs is 10.96.0.0/12' } }));
    const noisy = empty.findings.filter((f) => f.severity !== 'info');
    expect(noisy).toEqual([]);
    expect(renderCidrText({ ...empty, findings: [] })).toContain('✓ no findings');
  });
});
