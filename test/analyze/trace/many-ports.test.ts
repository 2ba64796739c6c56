/** A service with more ports than are each traced when none is named: an error that asks for the port. */
import { describe, expect, it } from 'vitest';
import { buildNodeModel } from '../../../src/parse/node/build-node.js';
import { traceRequest } from '../../../src/analyze/trace/index.js';
import { MAX_PORTS_UNNAMED } from '../../../src/analyze/trace/resolve.js';
import { readSnapshotFile } from '../../../src/cli/snapshot-file.js';
import type { V1Service } from '../../../src/model/k8s.js';
import { REPO_ROOT } from '../../support/corpus.js';

const snap = readSnapshotFile(`${REPO_ROOT}/examples/lab-flannel-iptables.snapshot.json`);
const web = (snap.cluster.objects.services as V1Service[]).find((s) => s.metadata?.name === 'web')!;
web.spec!.ports = [...web.spec!.ports!, ...Array.from({ length: MAX_PORTS_UNNAMED }, (_, i) => ({ name: `p${i}`, port: 10_000 + i, protocol: 'TCP', targetPort: 8080 as never }))];
const trace = (dst: string) => traceRequest(snap, { src: 'client', namespace: 'default', dst }, { buildNode: buildNodeModel }).traces;

describe(`trace to a service with more than ${MAX_PORTS_UNNAMED} ports`, () => {
  it('without a port: an error naming the count, with the ports to choose from', () => {
    expect(() => trace('svc/web')).toThrow(`service default/web has ${MAX_PORTS_UNNAMED + 2} ports: name the one to follow (more than ${MAX_PORTS_UNNAMED} are not each traced)`);
  });
  it('with one: traced as usual', () => {
    expect(trace('svc/web:80').map((t) => t.disposition)).toEqual(['delivered']);
  });
});
