import { describe, expect, it } from 'vitest';
import { selectCniConfig } from '../../../src/parse/cni/select.js';
import { readCorpus } from '../../support/corpus.js';

describe('selectCniConfig', () => {
  it('picks the first .conflist/.conf/.json in lexical order of /etc/cni/net.d', () => {
    const files = {
      '/etc/cni/net.d/10-flannel.conflist': readCorpus('cni', 'flannel-10-flannel.conflist'),
      '/etc/cni/net.d/05-cilium.conflist': readCorpus('cni', 'cilium-chained-into-aws-10-aws.conflist'),
      '/etc/cni/net.d/00-readme.txt': 'hello',
      '/etc/cni/net.d/calico-kubeconfig': 'x',
    };
    const s = selectCniConfig(files);
    expect(s).toMatchObject({ kind: 'selected', path: '/etc/cni/net.d/05-cilium.conflist', candidates: ['/etc/cni/net.d/05-cilium.conflist', '/etc/cni/net.d/10-flannel.conflist'], ignored: ['/etc/cni/net.d/00-readme.txt', '/etc/cni/net.d/calico-kubeconfig'] });
  });
  it('reports an invalid first file instead of skipping it', () => {
    const s = selectCniConfig({ '/etc/cni/net.d/00-bad.conf': '{', '/etc/cni/net.d/10-ok.conf': readCorpus('cni', 'cni-readme-10-mynet.conf') });
    expect(s.kind).toBe('invalid');
  });
  it('says none when there is no config', () => {
    expect(selectCniConfig({}).kind).toBe('none');
  });
});
