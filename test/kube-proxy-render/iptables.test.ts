import { describe, expect, it } from 'vitest';
import { iptablesEndpointChain } from '../lab/kube-proxy/hash.js';
import { NFACCT_COUNTERS, probability, renderIptables } from '../lab/kube-proxy/iptables.js';
import { syntheticServices } from '../lab/kube-proxy/synthetic.js';
import type { KubeProxyInput } from '../lab/kube-proxy/types.js';
import { readCorpus } from '../support/corpus.js';
import { normaliseRestore } from './iptables-save-normalise.js';
import { upstreamOverallInput } from './upstream-input.js';
import { oneService } from './one-service.js';

const small = (endpoints: number, extra: Partial<KubeProxyInput['services'][number]> = {}): KubeProxyInput =>
  oneService({ endpoints: Array.from({ length: endpoints }, (_, i) => ({ ip: `10.244.0.${i + 1}`, nodeName: 'n2', ready: true })), ...extra });
const natRules = (text: string, chainPrefix: string): string[] =>
  Object.entries(normaliseRestore(text)['nat']?.rules ?? {}).filter(([c]) => c.startsWith(chainPrefix)).flatMap(([, r]) => r);

describe('renderIptables vs upstream TestOverallIPTablesRules', () => {
  it('reproduces every chain and every rule of the expected output (fake iptables: no --random-fully)', () => {
    const expected = normaliseRestore(readCorpus('iptables', 'k8s-proxier-test-TestOverallIPTablesRules.rules'));
    const actual = normaliseRestore(renderIptables(upstreamOverallInput, { baseChains: false, randomFully: false }));
    expect(actual).toEqual(expected);
  });

  it('with defaults adds --random-fully, base-chain jumps and canaries in the order a node shows them', () => {
    const t = normaliseRestore(renderIptables(upstreamOverallInput));
    expect(t['nat']?.rules['KUBE-POSTROUTING']).toContain(
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    );
    // Same order as the filter table of a real EKS node (corpus real-eks-aws-vpc-cni-node-iptables-S-filter.txt).
    const eks = readCorpus('iptables', 'real-eks-aws-vpc-cni-node-iptables-S-filter.txt').split('\n').map((l) => l.trimEnd());
    for (const chain of ['INPUT', 'FORWARD', 'OUTPUT']) {
      expect(t['filter']?.rules[chain]).toEqual(eks.filter((l) => l.startsWith(`-A ${chain} `)));
    }
    expect(t['nat']?.rules['PREROUTING']).toEqual(['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    expect(t['mangle']?.chains).toContain('KUBE-PROXY-CANARY');
  });
});

describe('renderIptables details', () => {
  it('spreads n endpoints with probabilities 1/(n-i) printed with 10 decimals, last one unconditional', () => {
    const rules = natRules(renderIptables(small(4)), 'KUBE-SVC-');
    const probs = rules.map((r) => /--probability (\S+)/.exec(r)?.[1] ?? null);
    expect(probs).toEqual([null, '0.2500000000', '0.3333333333', '0.5000000000', null]);
    expect(probability(3)).toBe('0.3333333333');
  });

  it('masquerades off-cluster sources first, then jumps per endpoint', () => {
    const [first] = natRules(renderIptables(small(1)), 'KUBE-SVC-');
    expect(first).toMatch(/"ns\/s:http cluster IP" -m tcp -p tcp -d 10\.96\.0\.10 --dport 80 ! -s 10\.244\.0\.0\/16 -j KUBE-MARK-MASQ$/);
    const masqAll = natRules(renderIptables({ ...small(1), masqueradeAll: true }), 'KUBE-SVC-');
    expect(masqAll[0]).toMatch(/--dport 80 -j KUBE-MARK-MASQ$/);
  });

  it('session affinity: rcheck rules before the cascade, --set in each SEP', () => {
    const text = renderIptables(small(2, { sessionAffinitySeconds: 600 }));
    const svc = natRules(text, 'KUBE-SVC-');
    expect(svc.slice(1, 3).every((r) => /-m recent --name KUBE-SEP-\w+ --rcheck --seconds 600 --reap -j KUBE-SEP-\w+$/.test(r))).toBe(true);
    expect(natRules(text, 'KUBE-SEP-').filter((r) => r.includes('--set'))).toHaveLength(2);
  });

  it('rejects a service without endpoints in filter KUBE-SERVICES and its NodePort in KUBE-EXTERNAL-SERVICES', () => {
    const input = small(0, { type: 'NodePort', ports: [{ name: 'http', protocol: 'UDP', port: 53, targetPort: 53, nodePort: 30053 }] });
    const t = normaliseRestore(renderIptables(input));
    expect(t['filter']?.rules['KUBE-SERVICES']).toEqual([
      '-A KUBE-SERVICES -m comment --comment "ns/s:http has no endpoints" -m udp -p udp -d 10.96.0.10 --dport 53 -j REJECT',
    ]);
    expect(t['filter']?.rules['KUBE-EXTERNAL-SERVICES']).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns/s:http has no endpoints" -m addrtype --dst-type LOCAL -m udp -p udp --dport 30053 -j REJECT',
    ]);
    expect(t['nat']?.chains.some((c) => c.startsWith('KUBE-SVC-'))).toBe(false);
  });

  it('without localhost NodePorts or nfacct: no nfacct matches, no localnet guard, loopback excluded', () => {
    const text = renderIptables({ ...small(1, { type: 'NodePort', ports: [{ protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080 }] }), localhostNodePorts: false, nfacct: false });
    expect(text).not.toContain('nfacct');
    expect(text).not.toContain('block incoming localnet connections');
    expect(text).toContain('-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS');
    const withNfacct = renderIptables(small(1, { type: 'NodePort', ports: [{ protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080 }] }));
    for (const name of NFACCT_COUNTERS) expect(withNfacct).toContain(`--nfacct-name ${name}`);
  });

  it('drops SEP and endpoint-jump comments in large cluster mode (> 1000 endpoints)', () => {
    const text = renderIptables(syntheticServices(201, 5));
    const seps = natRules(text, 'KUBE-SEP-');
    expect(seps.length).toBe(2 * 201 * 5 + 2 * 12 * 5); // 12 services (every 17th) have a second port
    expect(seps.some((r) => r.includes('--comment'))).toBe(false);
    expect(natRules(text, 'KUBE-SVC-').filter((r) => r.includes(' -> '))).toEqual([]);
  });
});

describe('renderIptables traffic policies', () => {
  const local = (nodeOfFirst: string): KubeProxyInput => ({
    ...small(0),
    services: [{
      namespace: 'ns', name: 's', type: 'NodePort', clusterIP: '10.96.0.10', externalTrafficPolicy: 'Local',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
      endpoints: [
        { ip: '10.244.0.1', nodeName: nodeOfFirst, ready: true },
        { ip: '10.244.1.1', nodeName: 'n2', ready: true },
      ],
    }],
  });

  it('externalTrafficPolicy Local with a local endpoint: EXT short-circuits, then jumps to KUBE-SVL with the local endpoint only', () => {
    const t = normaliseRestore(renderIptables(local('n1')));
    const chains = t['nat']?.chains ?? [];
    const svl = chains.find((c) => c.startsWith('KUBE-SVL-'));
    const ext = chains.find((c) => c.startsWith('KUBE-EXT-'));
    expect(svl).toBeDefined();
    expect(t['nat']?.rules[ext!]?.at(-1)).toBe(`-A ${ext} -j ${svl}`);
    expect(t['nat']?.rules[svl!]).toEqual([`-A ${svl} -m comment --comment "ns/s:http -> 10.244.0.1:8080" -j ${iptablesEndpointChain('ns/s:http', 'tcp', '10.244.0.1:8080')}`]);
    expect(chains.filter((c) => c.startsWith('KUBE-SEP-'))).toHaveLength(2);
    expect(t['filter']?.rules['KUBE-EXTERNAL-SERVICES']).toBeUndefined();
  });

  it('externalTrafficPolicy Local without a local endpoint: external NodePort traffic is dropped', () => {
    const t = normaliseRestore(renderIptables(local('n3')));
    expect(t['nat']?.chains.some((c) => c.startsWith('KUBE-SVL-'))).toBe(false);
    expect(t['filter']?.rules['KUBE-EXTERNAL-SERVICES']).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns/s:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP',
    ]);
  });

  it('uses a terminating-but-serving endpoint only when nothing is ready', () => {
    const input = small(0, {
      endpoints: [
        { ip: '10.244.0.1', nodeName: 'n2', ready: false, serving: true, terminating: true },
        { ip: '10.244.0.2', nodeName: 'n2', ready: false },
      ],
    });
    const text = renderIptables(input);
    expect(text).toContain('-j DNAT --to-destination 10.244.0.1:8080');
    expect(text).not.toContain('10.244.0.2');
  });
});
