import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CNI_FILES_SCRIPT } from '../../src/probe/catalogue.js';
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

  it('the node-side CNI script reads regular configuration files, names the others, and its output decodes to the same contents', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netx-cni-'));
    try {
      const conf = readCorpus('cni', corpusFiles('cni')[0]!);
      writeFileSync(path.join(dir, '10-net.conflist'), conf);
      writeFileSync(path.join(dir, 'weird name.conf'), '{"a":"\u00e9"}\n');
      writeFileSync(path.join(dir, 'empty.json'), '');
      writeFileSync(path.join(dir, 'calico-kubeconfig'), 'token: x\n');
      mkdirSync(path.join(dir, 'subdir'));
      const out = execFileSync('sh', ['-c', CNI_FILES_SCRIPT, 'sh', dir], { encoding: 'utf8' });
      expect(parseFileListing(out)).toEqual({
        files: { [path.join(dir, '10-net.conflist')]: conf, [path.join(dir, 'weird name.conf')]: '{"a":"\u00e9"}\n', [path.join(dir, 'empty.json')]: '' },
        skipped: [path.join(dir, 'calico-kubeconfig')],
        unreadable: [],
      });
      // A missing directory is said, not an empty listing.
      const absent = execFileSync('sh', ['-c', CNI_FILES_SCRIPT, 'sh', path.join(dir, 'absent')], { encoding: 'utf8' });
      expect(parseFileListing(absent)).toEqual({ files: {}, skipped: [], unreadable: [], absent: path.join(dir, 'absent') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes the CNI listing, binary-safe, with files left unread or unreadable', () => {
    const conf = readCorpus('cni', corpusFiles('cni')[0]!);
    const b64 = Buffer.from(conf).toString('base64').replace(/(.{76})/g, '$1\n');
    const listing = `==> /etc/cni/net.d/10-flannel.conflist\n${b64}\n<==\n==> /etc/cni/net.d/empty\n<==\n--> /etc/cni/net.d/calico-kubeconfig\n=!= /etc/cni/net.d/99-locked.conf\n`;
    expect(parseFileListing(listing)).toEqual({
      files: { '/etc/cni/net.d/10-flannel.conflist': conf, '/etc/cni/net.d/empty': '' },
      skipped: ['/etc/cni/net.d/calico-kubeconfig'],
      unreadable: ['/etc/cni/net.d/99-locked.conf'],
    });
  });
});
