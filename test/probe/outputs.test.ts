import { describe, expect, it } from 'vitest';
import { dedupeConntrack, linkNames, parseFileListing } from '../../src/probe/outputs.js';
import { parseConntrack } from '../../src/parse/conntrack.js';
import { corpusFiles, readCorpus } from '../support/corpus.js';

describe('probe outputs', () => {
  it('dedupes filtered conntrack listings across filters, ignoring the timeout that counts down', () => {
    const text = readCorpus('conntrack', 'real-kubeadm-flannel-node-conntrack-L-partial.txt').replace(/\r/g, '');
    const lines = text.split('\n').filter((l) => /^(tcp|udp|icmp)/.test(l));
    expect(lines.length).toBeGreaterThan(1);
    // The same entries listed twice (by --orig-src and --reply-src), the second time a second older.
    const older = lines.map((l) => l.replace(/^(\S+\s+\d+\s+)(\d+)/, (_m, a: string, t: string) => `${a}${Math.max(0, Number(t) - 1)}`));
    const merged = dedupeConntrack([...lines, ...older].join('\n'));
    expect(merged.trim().split('\n')).toEqual(lines);
    expect(parseConntrack(merged, { source: 't' }).value.entries).toHaveLength(lines.length);
    expect(dedupeConntrack('')).toBe('');
  });

  it('reads interface names from ip -j link, without lo', () => {
    const json = JSON.stringify([{ ifname: 'lo' }, { ifname: 'eth0' }, { ifname: 'flannel.1' }]);
    expect(linkNames(json)).toEqual(['eth0', 'flannel.1']);
    expect(linkNames('not json')).toEqual([]);
  });

  it('decodes the CNI listing, binary-safe', () => {
    const conf = readCorpus('cni', corpusFiles('cni')[0]!);
    const b64 = Buffer.from(conf).toString('base64').replace(/(.{76})/g, '$1\n');
    const listing = `==> /etc/cni/net.d/10-flannel.conflist\n${b64}\n<==\n==> /etc/cni/net.d/empty\n<==\n`;
    expect(parseFileListing(listing)).toEqual({ '/etc/cni/net.d/10-flannel.conflist': conf, '/etc/cni/net.d/empty': '' });
  });
});
