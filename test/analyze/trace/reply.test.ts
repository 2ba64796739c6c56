/** The reply walk: NAT undone from the connection's entries, rp_filter checked on the way back. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../../src/snapshot/io.js';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { buildWorld } from '../../../src/analyze/trace/world.js';
import { walkReply } from '../../../src/analyze/trace/reply.js';
import { replyFindings } from '../../../src/analyze/trace/path-findings.js';
import { REPO_ROOT } from '../../support/corpus.js';

const load = (f: string) => parseSnapshot(readFileSync(path.join(REPO_ROOT, f), 'utf8'), f);

describe('reply walk', () => {
  for (const snap of ['examples/lab-flannel-iptables.snapshot.json', 'examples/lab-hostgw-nftables.snapshot.json', 'examples/lab-routed-iptables.snapshot.json']) {
    it(`every reply comes back to the client from the service address (${path.basename(snap)})`, () => {
      const s = load(snap);
      const t = traceRequest(s, { src: 'client', dst: 'svc/web:80', namespace: 'default' }, { buildNode: buildNodeModel }).traces[0]!;
      const world = buildWorld(s, buildNodeModel).world;
      for (const b of t.branches) {
        const replies = walkReply(world, b)!;
        expect(replies.map((r) => [r.disposition, r.reason])).toEqual([['delivered', 'delivered to pod default/client']]);
        // The DNAT is undone: the client sees the service address as the source.
        expect(replies[0]!.final).toMatchObject({ saddr: '10.96.0.10', sport: 80, daddr: '10.244.0.10' });
      }
    });
  }

  it('asymmetric return route + strict rp_filter on the client node: the reply is dropped, said as rp-filter-reply', () => {
    const s = load('examples/lab-flannel-iptables.snapshot.json');
    const t = traceRequest(s, { src: 'client', dst: 'pod/web-1:8080', namespace: 'default' }, { buildNode: buildNodeModel }).traces[0]!;
    const tw = buildWorld(s, buildNodeModel);
    const a = tw.world.nodes.get('node-a')!;
    const b = tw.world.nodes.get('node-b')!;
    // node-b answers node-a's pods over the underlay (host-gw style); node-a still sends over VXLAN.
    b.routes = b.routes.map((r) => (r.dst === '10.244.0.0/24' && r.table === 254 ? { ...r, gateway: '172.31.250.10', dev: 'eth0', flags: [] } : r));
    b.sysctl = { ...b.sysctl, 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.eth0.rp_filter': '0', 'net.ipv4.conf.flannel/1.rp_filter': '0' };
    a.sysctl = { ...a.sysctl, 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth0.rp_filter': '1' };
    const f = replyFindings(tw, t);
    expect(f.map((x) => x.code)).toEqual(['rp-filter-reply']);
    expect(f[0]!.message).toMatch(/rp_filter=1 \(strict\) on node-a:eth0/);
  });

  it('no finding on a healthy path', () => {
    const s = load('examples/lab-flannel-iptables.snapshot.json');
    const t = traceRequest(s, { src: 'client', dst: 'svc/web:80', namespace: 'default' }, { buildNode: buildNodeModel }).traces[0]!;
    expect(t.findings.map((f) => f.code)).not.toContain('rp-filter-reply');
  });
});
