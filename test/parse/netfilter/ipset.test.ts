import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/util/parse-error.js';
import { parseIpsetSave } from '../../../src/parse/netfilter/ipset.js';
import { readCorpus } from '../../support/corpus.js';
import { thrown } from './support.js';

describe('parseIpsetSave', () => {
  const sets = parseIpsetSave(readCorpus('ipvs', 'kube-router-testdata-ipset-save.txt'), { source: 'ipset' });

  it('reads every set of the kube-router dump with type, family and members', () => {
    expect(sets).toHaveLength(17);
    const prt = sets.find((s) => s.name === 'kube-router-svip-prt')!;
    expect(prt).toMatchObject({ type: 'hash:ip,port', family: 'inet' });
    expect(prt.members).toContain('10.96.0.1,tcp:443');
    const v6 = sets.find((s) => s.name === 'inet6:kube-router-pod-subnets')!;
    expect(v6).toEqual({ name: 'inet6:kube-router-pod-subnets', type: 'hash:net', family: 'inet6', members: ['2001:db8:42:1001::/64', '2001:db8:42:1000::/64'] });
    const members = sets.reduce((n, s) => n + s.members.length, 0);
    expect(members).toBe(66 - 17);
  });

  it('reads nomatch members, set timeouts and the old -N/-A form', () => {
    const [s] = parseIpsetSave('-N cali hash:net family inet timeout 60\n-A cali 10.0.0.0/8\n-A cali 10.1.0.0/16 nomatch\n', { source: 't' });
    expect(s).toEqual({ name: 'cali', type: 'hash:net', family: 'inet', timeout: 60, members: ['10.0.0.0/8'], nomatch: ['10.1.0.0/16'] });
  });

  it('rejects `ipset list` output and adds before create, with line and column', () => {
    const list = thrown(() => parseIpsetSave('Name: KUBE-CLUSTER-IP\nType: hash:ip,port\n', { source: 't' })) as ParseError;
    expect(list).toBeInstanceOf(ParseError);
    expect(list.message).toMatch(/ipset list.*ipset save/);
    const early = thrown(() => parseIpsetSave('create a hash:ip\nadd b 10.0.0.1\n', { source: 't' })) as ParseError;
    expect([early.line, early.column]).toEqual([2, 5]);
  });
});
