/** Credentials out of captured text: the corpus's real CNI files pass untouched, Calico's token files do not. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseCniFile } from '../../src/parse/cni/index.js';
import { redactArgs, redactObjects, redactText } from '../../src/snapshot/redact.js';
import { corpusFiles, readCorpus, REPO_ROOT } from '../support/corpus.js';

const fixture = (name: string): string => readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'cni-secrets', name), 'utf8');
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ/;

describe('redaction of captured files', () => {
  it('leaves every real CNI file of the corpus byte-identical (no false positive)', () => {
    const files = corpusFiles('cni');
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readCorpus('cni', f);
      const r = redactText(text, f);
      expect(r.redactions, f).toEqual([]);
      expect(r.text, f).toBe(text);
    }
  });

  it("masks the token and CA of Calico's calico-kubeconfig and keeps it a kubeconfig", () => {
    const text = fixture('calico-kubeconfig');
    const r = redactText(text, '/etc/cni/net.d/calico-kubeconfig');
    expect(r.text).not.toMatch(JWT);
    expect(r.text).not.toContain('LS0tLS1CRUdJTi');
    const kc = parseYaml(r.text) as { clusters: { cluster: Record<string, string> }[]; users: { name: string; user: Record<string, string> }[] };
    expect(kc.users[0]).toEqual({ name: 'calico', user: { token: '<redacted-token>' } });
    expect(kc.clusters[0]!.cluster).toEqual({ server: 'https://[10.96.0.1]:443', 'certificate-authority-data': '<redacted-certificate>' });
    expect(r.redactions).toEqual([
      { source: '/etc/cni/net.d/calico-kubeconfig', kind: 'certificate', at: 'line 8: certificate-authority-data' },
      { source: '/etc/cni/net.d/calico-kubeconfig', kind: 'token', at: 'line 12: token' },
    ]);
    expect(r.text.split('\n')).toHaveLength(text.split('\n').length);
  });

  it('masks the service-account token a rendered Calico conflist carries inline; the CNI is still read from it', () => {
    const text = fixture('10-calico.conflist');
    const r = redactText(text, '/etc/cni/net.d/10-calico.conflist');
    expect(r.text).not.toMatch(JWT);
    expect(r.redactions).toEqual([{ source: '/etc/cni/net.d/10-calico.conflist', kind: 'token', at: 'line 17: k8s_auth_token' }]);
    // The parse of the redacted file is the parse of the original with only the token changed.
    const token = /"k8s_auth_token": "([^"]+)"/.exec(text)![1]!;
    const expected = parseCniFile('/etc/cni/net.d/10-calico.conflist', text.replace(token, '<redacted-token>')).value;
    expect(parseCniFile('/etc/cni/net.d/10-calico.conflist', r.text).value).toEqual(expected);
    expect((JSON.parse(r.text) as { plugins: { policy?: Record<string, string> }[] }).plugins[0]!.policy).toEqual({ type: 'k8s', k8s_api_root: 'https://10.96.0.1:443', k8s_auth_token: '<redacted-token>' });
  });

  it('finds PEM blocks in YAML block scalars and JSON strings, base64 PEM, JWTs and credential flags', () => {
    const pem = readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'cni-secrets', 'calico-kubeconfig'), 'utf8');
    const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(pem)![1]!, 'base64').toString('utf8').trim();
    const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAbcdefghijklmnopqrstuvwxyz0123456789ABCDEFoAoGCCqGSM49\n-----END EC PRIVATE KEY-----';
    const yaml = `apiVersion: v1\ndata:\n  ca.crt: |\n${ca.split('\n').map((l) => `    ${l}`).join('\n')}\n  tls.key: |\n${key.split('\n').map((l) => `    ${l}`).join('\n')}\n  note: plain\n`;
    const y = redactText(yaml, 'cm');
    expect(parseYaml(y.text)).toEqual({ apiVersion: 'v1', data: { 'ca.crt': '<redacted-certificate>\n', 'tls.key': '<redacted-private-key>\n', note: 'plain' } });
    expect(y.redactions.map((x) => [x.kind, x.at])).toEqual([['certificate', 'line 4: PEM CERTIFICATE'], ['private-key', `line ${4 + ca.split('\n').length + 1}: PEM EC PRIVATE KEY`]]);

    const json = JSON.stringify({ cert: ca, nested: { password: 'hunter2', tokenFile: '/var/run/secrets/token', 'client-key': '/etc/pki/client.key' } }, null, 1);
    const j = redactText(json, 'j');
    expect(JSON.parse(j.text)).toEqual({ cert: '<redacted-certificate>', nested: { password: '<redacted-password>', tokenFile: '/var/run/secrets/token', 'client-key': '/etc/pki/client.key' } });

    const args = ['/usr/bin/kubelet', '--config=/var/lib/kubelet/config.yaml', '--token=s3cr3t', '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--password', 'x y', '--v=2'];
    const c = redactArgs(args, 'dump kubelet-cmdline');
    expect(c.args).toEqual(['/usr/bin/kubelet', '--config=/var/lib/kubelet/config.yaml', '--token=<redacted-token>', '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--password', '<redacted-password>', '--v=2']);
    expect(c.redactions.map((x) => x.at)).toEqual(['argument 3: --token', 'argument 6: --password']);
    // Inline flags in a text file stop at the first space.
    expect(redactText('ExecStart=/usr/bin/x --token=abc --v=2\n', 'unit').text).toBe('ExecStart=/usr/bin/x --token=<redacted-token> --v=2\n');

    const jwt = /(eyJ\S+)$/m.exec(fixture('calico-kubeconfig'))![1]!;
    expect(redactText(`Authorization: Bearer ${jwt}\n`, 'x').text).toBe('Authorization: Bearer <redacted-token>\n');
  });

  it('leaves paths, placeholders and flags that only name a credential file alone', () => {
    const text = [
      'clientCAFile: /etc/kubernetes/pki/ca.crt',
      'tokenFile: /var/lib/kube-proxy/token',
      'password: __ETCD_PASSWORD__',
      'token: ${TOKEN}',
      '--service-account-key-file=/etc/kubernetes/pki/sa.pub',
      '"k8s_auth_token": ""',
    ].join('\n');
    expect(redactText(text, 'x')).toEqual({ text, redactions: [] });
  });

  it('masks API objects in place: ConfigMap values and binaryData, container env, command and args', () => {
    const kc = fixture('calico-kubeconfig');
    const objects = {
      configmaps: [
        { metadata: { name: 'kube-proxy', namespace: 'kube-system' }, data: { 'config.conf': 'mode: iptables\nclientConnection:\n  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\n', 'kubeconfig.conf': kc }, binaryData: { blob: 'AAEC' } },
      ],
      pods: [
        {
          metadata: { name: 'calico-node-x', namespace: 'kube-system' },
          spec: {
            containers: [
              { name: 'calico-node', env: [{ name: 'DATASTORE_TYPE', value: 'kubernetes' }, { name: 'ETCD_PASSWORD', value: 'hunter2' }, { name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], args: ['--token', 'abc', '--v=2'] },
            ],
          },
        },
      ],
      daemonsets: [{ metadata: { name: 'agent', namespace: 'kube-system' }, spec: { template: { spec: { initContainers: [{ name: 'init', command: ['install', '--api-key=xyz'] }] } } } }],
    };
    const r = redactObjects(objects);
    const cm = objects.configmaps[0]!;
    expect(cm.data['config.conf']).toBe('mode: iptables\nclientConnection:\n  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\n');
    expect(cm.data['kubeconfig.conf']).not.toMatch(JWT);
    expect(cm.binaryData).toEqual({ blob: '<redacted-file>' });
    const c = objects.pods[0]!.spec.containers[0]!;
    expect(c.env).toEqual([{ name: 'DATASTORE_TYPE', value: 'kubernetes' }, { name: 'ETCD_PASSWORD', value: '<redacted-password>' }, { name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]);
    expect(c.args).toEqual(['--token', '<redacted-token>', '--v=2']);
    expect(objects.daemonsets[0]!.spec.template.spec.initContainers[0]!.command).toEqual(['install', '--api-key=<redacted-credential>']);
    expect(r.map((x) => `${x.source} | ${x.kind} | ${x.at}`)).toEqual([
      'ConfigMap kube-system/kube-proxy data.kubeconfig.conf | certificate | line 8: certificate-authority-data',
      'ConfigMap kube-system/kube-proxy data.kubeconfig.conf | token | line 12: token',
      'ConfigMap kube-system/kube-proxy binaryData.blob | file | not kept: binary data, never read by netx',
      'Pod kube-system/calico-node-x container calico-node | password | env ETCD_PASSWORD',
      'Pod kube-system/calico-node-x container calico-node | token | args argument 2: --token',
      'DaemonSet kube-system/agent container init | credential | command argument 2: --api-key',
    ]);
  });
});
