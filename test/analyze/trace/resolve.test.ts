/**
 * DST typed as an address (resolve.ts): a service's own address with one of its ports is that service; with a port
 * the service does not have it is a plain address, traced as the kernel would carry it (on kernel-made lab snapshots).
 */
import { describe, expect, it } from 'vitest';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { readSnapshotFile } from '../../../src/cli/snapshot-file.js';
import { REPO_ROOT } from '../../support/corpus.js';

const load = (file: string) => readSnapshotFile(`${REPO_ROOT}/${file}`);
const trace = (file: string, dst: string) => traceRequest(load(file), { src: 'client', namespace: 'default', dst }, { buildNode: buildNodeModel }).traces;
const notes = (t: ReturnType<typeof trace>[number]): string[] => t.branches.flatMap((b) => b.notes ?? []);

describe('trace: a service address as DST', () => {
  it('with one of the service\'s ports: that service (its findings apply)', () => {
    const [t] = trace('examples/lab-hostgw-nftables.snapshot.json', '10.96.0.10:80');
    expect(t!.destination).toMatchObject({ kind: 'service', name: 'default/web' });
  });

  it('with a port the service does not have: a plain address, with a note naming the service and its ports (nftables rejects it)', () => {
    const [t] = trace('examples/lab-hostgw-nftables.snapshot.json', '10.96.0.10:81');
    expect(t!.destination).toMatchObject({ kind: 'ip', ip: '10.96.0.10', port: 81 });
    expect(t!.disposition).toBe('rejected');
    expect(JSON.stringify(t!.branches[0]!.hops)).toContain('cluster-ips-check');
    expect(notes(t!)).toContain('10.96.0.10 is the clusterIP of service default/web, which has no port 81 (its ports: 80/TCP, 53/UDP): traced as a plain address');
  });

  it('iptables mode has no rule for it: the packet follows the default route off the node', () => {
    const [t] = trace('examples/lab-flannel-iptables.snapshot.json', '10.96.0.10:81');
    expect(t!.destination).toMatchObject({ kind: 'ip', port: 81 });
    expect(t!.disposition).toBe('insufficient-info');
  });
});
