import { describe, expect, it } from 'vitest';
import { parseIpRule } from '../../../src/parse/iproute/rule.js';
import { ParseError } from '../../../src/util/parse-error.js';
import { readCorpus } from '../../support/corpus.js';
import { fixture, thrown } from '../fixtures.js';

const src = { source: 'rule' };

describe('parseIpRule', () => {
  it('reads every selector and action of the kernel JSON fixture', () => {
    const { value: rules, warnings } = parseIpRule(fixture('iproute', 'rule.json'), src);
    expect(warnings).toEqual([]);
    const at = (p: number) => rules.find((r) => r.priority === p);
    expect(at(0)).toEqual({ family: 4, priority: 0, not: false, action: 'table', table: 255 });
    expect(at(512)).toMatchObject({ dst: '192.168.5.1/32', table: 254 });
    expect(at(600)).toMatchObject({ not: true, src: '10.0.0.0/8', iif: 'eth0', table: 200 });
    expect(at(700)).toMatchObject({ action: 'blackhole', oif: 'cni0', ipproto: 'tcp', sport: [1000, 1000], dport: [80, 90] });
    expect(at(800)).toMatchObject({ table: 254, suppressPrefixlen: 0 });
    expect(at(900)).toMatchObject({ action: 'unreachable', src: '10.1.0.0/16' });
    expect(at(910)).toMatchObject({ action: 'goto', goto: 32766 });
    expect(at(920)?.action).toBe('prohibit');
    expect(at(930)).toMatchObject({ fwmark: 0x4000, table: 100 });
    expect(at(930)?.fwmask).toBeUndefined();
    expect(at(1024)).toMatchObject({ fwmark: 0x80, fwmask: 0x80, table: 254 });
    expect(at(32767)?.table).toBe(253);
  });
  it("reads the kernel's VRF rule (l3mdev) in both forms, with a warning that netx does not model VRFs", () => {
    const json = parseIpRule('[{"priority":1000,"src":"all","l3mdev":null}]', src);
    const text = parseIpRule('1000:\tfrom all lookup [l3mdev-table] \n', src);
    expect(json.value).toEqual([{ family: 4, priority: 1000, not: false, action: 'table', l3mdev: true }]);
    expect(text.value).toEqual(json.value);
    for (const { warnings } of [json, text]) {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ code: 'unsupported', message: expect.stringContaining('rule 1000') });
    }
  });
  it('gives the same rules from the text form', () => {
    expect(parseIpRule(fixture('iproute', 'rule.txt'), src).value).toEqual(parseIpRule(fixture('iproute', 'rule.json'), src).value);
  });
  it('reads a goto the kernel marks unresolved, in both forms, without a warning (as `ip rule` prints it)', () => {
    const json = parseIpRule('[{"priority":0,"src":"all","table":"local"},{"priority":100,"src":"all","goto":150,"unresolved":null}]', src);
    const text = parseIpRule('0:\tfrom all lookup local\n100:\tfrom all goto 150 [unresolved]\n', src);
    expect(json.warnings).toEqual([]);
    expect(text.warnings).toEqual([]);
    expect(json.value[1]).toEqual({ family: 4, priority: 100, not: false, action: 'goto', goto: 150 });
    expect(text.value).toEqual(json.value);
  });
  it('takes the family of an IPv6 dump', () => {
    const rules = parseIpRule(fixture('iproute', 'rule6.json'), { source: 'rule6', family: 6 }).value;
    expect(rules.map((r) => r.family)).toEqual([6, 6, 6]);
    expect(rules[1]).toMatchObject({ src: 'fd00::/8', table: 200 });
  });
  it('reads the EKS VPC CNI rules (corpus): per-ENI table 2 and the 0x80 mark', () => {
    const rules = parseIpRule(readCorpus('iproute', 'real-eks-aws-vpc-cni-node-ip-rule.txt'), src).value;
    expect(rules.map((r) => [r.priority, r.table])).toEqual([[0, 255], [512, 254], [512, 254], [1024, 254], [32765, 2], [32766, 254], [32767, 253]]);
    expect(rules[4]?.src).toBe('192.168.7.41/32');
    expect(rules[3]).toMatchObject({ fwmark: 0x80, fwmask: 0x80 });
  });
  it('keeps an unknown table name as a name and warns', () => {
    const r = parseIpRule('100:\tfrom all lookup cilium\n', src);
    expect(r.value[0]).toMatchObject({ tableName: 'cilium' });
    expect(r.value[0]?.table).toBeUndefined();
    expect(r.warnings[0]).toMatchObject({ code: 'unknown-table', line: 1 });
  });
  it('warns about selectors it does not evaluate', () => {
    const r = parseIpRule('[{"priority":5,"src":"all","dscp":"10","table":"main"}]', src);
    expect(r.warnings).toMatchObject([{ code: 'unsupported', path: '$[0].dscp' }]);
  });
  it('reports malformed rules with line and column', () => {
    expect(thrown(() => parseIpRule('0:\tfrom all lookup local\nxyz from all\n', src))).toMatchObject({ line: 2, column: 1 });
    const e = thrown(() => parseIpRule('10:\tfrom all fwmark 0xzz lookup main\n', src));
    expect(e).toBeInstanceOf(ParseError);
    expect(e).toMatchObject({ line: 1, column: 21 });
    expect(thrown(() => parseIpRule('[{"priority":1,"action":"explode"}]', src))).toMatchObject({ path: '$[0].action' });
  });
});

describe('an ip rule TOS', () => {
  it('is read from hex or an rt_dsfield name in both forms', () => {
    expect(parseIpRule('100:\tfrom all tos AF11 lookup 100\n', src).value[0]?.tos).toBe(0x28);
    expect(parseIpRule('[{"priority":100,"src":"all","tos":"0x10","table":"100"}]', src).value[0]?.tos).toBe(0x10);
    expect(parseIpRule('[{"priority":100,"src":"all","tos":"CS1","table":"100"}]', src).value[0]?.tos).toBe(0x20);
  });
});
