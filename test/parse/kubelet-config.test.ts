/** KubeletConfiguration DNS fields and the kubelet command line. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/util/parse-error.js';
import { parseKubeletArgs, parseKubeletConfig } from '../../src/parse/kubelet-config.js';
import { FUZZ_RUNS, thrown } from './fixtures.js';

const src = { source: 'node-a:/var/lib/kubelet/config.yaml' };
/** The shape kubeadm writes to /var/lib/kubelet/config.yaml (fields not about DNS shortened). */
const KUBEADM = `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
kind: KubeletConfiguration
resolvConf: /run/systemd/resolve/resolv.conf
staticPodPath: /etc/kubernetes/manifests
`;

describe('parseKubeletConfig', () => {
  it('reads clusterDNS, clusterDomain and resolvConf from kubeadm’s file', () => {
    expect(parseKubeletConfig(KUBEADM, src)).toEqual({
      value: { apiVersion: 'kubelet.config.k8s.io/v1beta1', clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '/run/systemd/resolve/resolv.conf' },
      warnings: [],
    });
  });

  it('reads JSON (EKS) and keeps an explicit empty resolvConf apart from an absent one', () => {
    expect(parseKubeletConfig('{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1","clusterDNS":["172.20.0.10","fd00::a"],"resolvConf":""}', src).value).toEqual({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      clusterDNS: ['172.20.0.10', 'fd00::a'],
      resolvConf: '',
    });
    expect(parseKubeletConfig('kind: KubeletConfiguration\n', src).value).toEqual({ clusterDNS: [] });
  });

  it('rejects other kinds, wrong types and broken YAML with where it is', () => {
    expect(thrown(() => parseKubeletConfig('kind: KubeProxyConfiguration\n', src))).toMatchObject({ path: 'kind' });
    expect(thrown(() => parseKubeletConfig('kind: KubeletConfiguration\nclusterDNS: 10.96.0.10\n', src))).toMatchObject({ path: 'clusterDNS', message: expect.stringMatching(/list of IP addresses/) });
    expect(thrown(() => parseKubeletConfig('kind: KubeletConfiguration\nclusterDomain: [a]\n', src))).toMatchObject({ path: 'clusterDomain' });
    const e = thrown(() => parseKubeletConfig('kind: KubeletConfiguration\nclusterDNS:\n- 10.96.0.10\n  - x: [\n', src));
    expect(e).toBeInstanceOf(ParseError);
    expect((e as ParseError).line).toBeGreaterThanOrEqual(3);
    expect(thrown(() => parseKubeletConfig('', src))).toBeInstanceOf(ParseError);
  });

  it('random and mutated text throws nothing but ParseError', () => {
    const mutated = fc.tuple(fc.nat(), fc.string({ maxLength: 12 })).map(([at, extra]) => KUBEADM.slice(0, at % KUBEADM.length) + extra + KUBEADM.slice(at % KUBEADM.length));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json(), mutated), (t) => {
        try {
          parseKubeletConfig(t, src);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: Math.min(FUZZ_RUNS, 2000) },
    );
  });
});

describe('parseKubeletArgs', () => {
  it('reads --config and the deprecated DNS flags in both spellings; other flags are ignored', () => {
    const argv = ['/usr/bin/kubelet', '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--config=/var/lib/kubelet/config.yaml', '--cluster-dns', '10.0.0.10,fd00::10', '--cluster-domain=corp.local', '--resolv-conf=', '--node-ip=192.168.1.5'];
    expect(parseKubeletArgs(argv)).toEqual({ value: { config: '/var/lib/kubelet/config.yaml', clusterDNS: ['10.0.0.10', 'fd00::10'], clusterDomain: 'corp.local', resolvConf: '' }, warnings: [] });
  });
  it('a flag without its value is a warning; the last occurrence wins', () => {
    const r = parseKubeletArgs(['kubelet', '--config=/a.yaml', '--config=/b.yaml', '--resolv-conf', '--v=2', '--config-dir', '/etc/kubernetes/kubelet.conf.d']);
    expect(r.value).toEqual({ config: '/b.yaml', configDir: '/etc/kubernetes/kubelet.conf.d' });
    expect(r.warnings).toMatchObject([{ code: 'bad-flag' }]);
  });
});
