import { describe, expect, it } from 'vitest';
import { parseCniFile } from '../../../src/parse/cni/config.js';
import { detectCni } from '../../../src/parse/cni/detect.js';
import { readCorpus } from '../../support/corpus.js';

const parse = (f: string) => parseCniFile(f, readCorpus('cni', f));

describe('detectCni', () => {
  it('agreeing config, DaemonSet and interfaces give high confidence', () => {
    const d = detectCni({ config: parse('real-node-flannel-cat-10-flannel.conflist').value, daemonSets: [{ namespace: 'kube-flannel', name: 'kube-flannel-ds' }], interfaces: ['lo', 'enX0', 'flannel.1', 'cni0'] });
    expect(d).toMatchObject({ name: 'flannel', confidence: 'high', conflicts: [] });
    expect(d.evidence.map((e) => e.source)).toEqual(['cni-config', 'daemonset', 'interface']);
  });
  it('looks through Multus and reports chained cilium', () => {
    expect(detectCni({ config: parse('aws-vpc-cni-00-multus.conf-delegating-10-aws.json').value, daemonSets: [{ name: 'aws-node' }] })).toMatchObject({ name: 'aws-vpc-cni', confidence: 'high' });
    expect(detectCni({ config: parse('cilium-chained-into-aws-10-aws.conflist').value })).toMatchObject({ name: 'aws-vpc-cni', chained: ['cilium'], confidence: 'medium' });
  });
  it('recognises canal, kube-router and antrea', () => {
    expect(detectCni({ config: parse('canal-10-canal.conflist-template').value, daemonSets: [{ name: 'canal' }] }).name).toBe('canal');
    expect(detectCni({ config: parse('kube-router-10-kuberouter.conflist').value }).name).toBe('kube-router');
    expect(detectCni({ config: parse('antrea-cni.conflist').value }).name).toBe('antrea');
  });
  it('interfaces alone give low confidence; nothing gives unknown; leftovers are conflicts', () => {
    expect(detectCni({ interfaces: ['cilium_host', 'lxc12ab34cd'] })).toMatchObject({ name: 'cilium', confidence: 'low' });
    expect(detectCni({})).toMatchObject({ name: 'unknown', confidence: 'none' });
    expect(detectCni({ config: parse('calico-10-calico.conflist').value, interfaces: ['flannel.1', 'cali1234abcd'] })).toMatchObject({ name: 'calico', conflicts: ['flannel'] });
  });
});
