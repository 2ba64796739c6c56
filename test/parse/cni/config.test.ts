import { describe, expect, it } from 'vitest';
import { parseCniFile, type CniConfig } from '../../../src/parse/cni/config.js';
import { ParseError } from '../../../src/util/parse-error.js';
import { corpusFiles, readCorpus } from '../../support/corpus.js';
import { thrown } from '../fixtures.js';

const parse = (f: string) => parseCniFile(f, readCorpus('cni', f));
const asConfig = (f: string): CniConfig => {
  const v = parse(f).value;
  if (v.kind !== 'config') throw new Error(`${f} is ${v.kind}`);
  return v;
};

describe('parseCniFile on the corpus', () => {
  it('parses every file into a typed result; templates are typed as templates', () => {
    const kinds = Object.fromEntries(corpusFiles('cni').map((f) => [f, parse(f).value.kind]));
    for (const [f, k] of Object.entries(kinds)) expect(k, f).toBe(f.endsWith('-template') ? 'template' : f.endsWith('.env') ? 'flannel-subnet-env' : f === 'flannel-net-conf.json' ? 'flannel-net-conf' : 'config');
  });
  it('flannel conflist: primary flannel, portmap chained', () => {
    expect(asConfig('flannel-10-flannel.conflist')).toMatchObject({ name: 'cbr0', cniVersion: '0.3.1', format: 'conflist', primaryType: 'flannel', chained: ['portmap'], delegates: [] });
  });
  it('single-plugin .conf is wrapped into one plugin', () => {
    const c = asConfig('kube-router-10-kuberouter.conf');
    expect(c).toMatchObject({ format: 'conf', primaryType: 'bridge', ipamType: 'host-local', chained: [] });
    expect(c.plugins[0]?.raw.bridge).toBe('kube-bridge');
  });
  it('Multus delegates are parsed as configs', () => {
    const c = asConfig('aws-vpc-cni-00-multus.conf-delegating-10-aws.json');
    expect(c.primaryType).toBe('multus');
    expect(c.delegates[0]).toMatchObject({ name: 'aws-cni', primaryType: 'aws-cni', chained: ['portmap'] });
  });
  it('JSONC comments are accepted with a warning', () => {
    const r = parse('cni-spec-example-dbnet-bridge-tuning-portmap.conflist.jsonc');
    expect(r.value).toMatchObject({ kind: 'config', name: 'dbnet', primaryType: 'bridge', ipamType: 'host-local', chained: ['tuning', 'portmap'] });
    expect(r.warnings.map((w) => w.code)).toEqual(['jsonc']);
  });
  it('templates report their placeholders, also when a bare placeholder makes the JSON invalid', () => {
    const calico = parse('calico-10-calico.conflist-template').value;
    expect(calico).toMatchObject({ kind: 'template', placeholders: ['__KUBERNETES_NODE_NAME__', '__CNI_MTU__', '__KUBECONFIG_FILEPATH__'], config: { primaryType: 'calico', ipamType: 'calico-ipam' } });
    const aws = parse('aws-vpc-cni-10-aws.conflist-template').value;
    expect(aws).toMatchObject({ kind: 'template', config: { primaryType: 'aws-cni', chained: ['egress-cni', 'portmap'] } });
  });
  it('flannel net-conf.json and subnet.env', () => {
    expect(parse('flannel-net-conf.json').value).toEqual({ kind: 'flannel-net-conf', file: 'flannel-net-conf.json', network: '10.244.0.0/16', backendType: 'vxlan', enableNFTables: false });
    expect(parse('real-node-flannel-run-flannel-subnet.env').value).toMatchObject({ network: '10.244.0.0/16', subnet: '10.244.0.1/24', mtu: 8951, ipmasq: true });
  });
  it('cilium chained into aws-cni', () => {
    expect(asConfig('cilium-chained-into-aws-10-aws.conflist').chained).toEqual(['egress-v4-cni', 'portmap', 'cilium-cni']);
  });
  it('malformed configs give ParseError with line/column or JSON path', () => {
    const e = thrown(() => parseCniFile('x.conflist', '{\n  "name": "a",\n  "plugins": [ { "type": "bridge" ]\n}'));
    expect(e).toBeInstanceOf(ParseError);
    expect(e).toMatchObject({ source: 'x.conflist', line: 3 });
    // Comments and placeholders are blanked without moving the error position.
    expect(thrown(() => parseCniFile('c.conflist', '{ /* a\n b */ "mtu": __MTU__, // x\n  "name": }'))).toMatchObject({ line: 3, column: 11 });
    expect(thrown(() => parseCniFile('y.conf', '{"name": "a"}'))).toMatchObject({ path: '$' });
    expect(thrown(() => parseCniFile('z.conflist', '{"plugins": [{"type": 3}]}'))).toMatchObject({ path: '$.plugins[0].type' });
  });
});
