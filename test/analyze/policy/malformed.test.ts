/**
 * NetworkPolicies and pods set aside at load (snapshot/screen.ts): a policy that cannot be read makes
 * only the verdicts it could change uncertain; an endpoint pod that cannot be read is an error.
 */
import { describe, expect, it } from 'vitest';
import { policyRequest } from '../../../src/analyze/policy/index.js';
import { parseSnapshot, serializeSnapshot } from '../../../src/snapshot/io.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { LAB_POLICIES, labSnapshot } from './lab-snapshot.js';

/** Through the loader, as --snapshot reads it. */
const loaded = (s: Snapshot): Snapshot => parseSnapshot(serializeSnapshot(s), 'lab');
const unreadable = { metadata: { name: 'broken', namespace: 'default' }, spec: { podSelector: {}, ingress: [{ ports: [{ port: true }] }] } };

describe('a NetworkPolicy set aside at load', () => {
  const snap = loaded(labSnapshot([...LAB_POLICIES, unreadable]));
  const ask = (src: string, dst: string) => policyRequest(snap, { src, dst, namespace: 'default' });

  it('a denied flow becomes uncertain: the unread policy may allow it; a note names it and the field', () => {
    const r = ask('echo-0', 'pod/web-0:8080');
    expect(r.verdict).toBe('uncertain');
    expect(r.verdicts[0]!.ingress.reason).toMatch(/but 1 NetworkPolicy object\(s\) of namespace default could not be read$/);
    expect(r.verdicts[0]!.notes).toContain('NetworkPolicy default/broken: spec.ingress[0].ports[0].port is true, expected an integer or a name; set aside, it may select default/web-0');
  });

  it('a side a readable policy allows stays allowed (policies only add allows); the other side may be isolated by it', () => {
    const r = ask('client', 'svc/web:80');
    for (const v of r.verdicts) {
      expect(v.ingress.kind).toBe('allowed');
      expect(v.egress.kind).toBe('uncertain');
    }
  });

  it('a pod no readable policy selects is no longer surely unrestricted', () => {
    const r = policyRequest(loaded(labSnapshot([unreadable])), { src: 'client', dst: 'pod/echo-0:9090', namespace: 'default' });
    expect(r.verdicts[0]!.ingress.kind).toBe('uncertain');
    expect(r.findings.find((f) => f.code === 'malformed-object')?.message).toMatch(/^NetworkPolicy default\/broken does not have the shape Kubernetes gives it and is left out/);
  });

  it('a policy of another namespace changes nothing here', () => {
    const elsewhere = { ...unreadable, metadata: { name: 'broken', namespace: 'kube-system' } };
    expect(policyRequest(loaded(labSnapshot([...LAB_POLICIES, elsewhere])), { src: 'echo-0', dst: 'pod/web-0:8080', namespace: 'default' }).verdict).toBe('denied');
  });
});
