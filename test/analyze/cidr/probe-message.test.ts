import { describe, expect, it } from 'vitest';
import { parseProbeMessage } from '../../../src/analyze/cidr/probe-message.js';
import { corpusFiles, readCorpus } from '../../support/corpus.js';

const errors = corpusFiles('k8s-objects').filter((f) => f.startsWith('apiserver-error-'));

describe('dry-run probe message', () => {
  it.each(errors.filter((f) => f.includes('clusterip-out-of-range')))('reads the range from %s', (file) => {
    const text = readCorpus('k8s-objects', file);
    const expected = file.includes('k3s') ? '10.43.0.0/16' : '10.96.0.0/12';
    expect(parseProbeMessage(text)).toEqual({ kind: 'range', cidrs: [expected] });
  });

  it('the previous Go format rendered with a value gives the range', () => {
    const fmt = readCorpus('k8s-objects', 'apiserver-error-format-ErrNotInRange-previous.txt').trim();
    const msg = fmt.replace('%v', '1.1.1.1').replace('%s', '10.96.0.0/28');
    expect(parseProbeMessage(msg)).toEqual({ kind: 'range', cidrs: ['10.96.0.0/28'] });
  });

  it('upstream main (no CIDR in the message) is "no answer", not a guess', () => {
    const fmt = readCorpus('k8s-objects', 'apiserver-error-format-ErrNotInRange-upstream-main-NO-CIDR.txt').trim();
    const msg = `Service "x" is invalid: spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: failed to allocate IP 1.1.1.1: ${fmt.replace('%v', '1.1.1.1')}`;
    expect(parseProbeMessage(msg).kind).toBe('no-range');
  });

  it('MultiCIDR non-dry-run text and a full range give no CIDR', () => {
    expect(parseProbeMessage('failed to allocate IP 1.1.1.1: the provided network does not match the current range').kind).toBe('no-range');
    const full = parseProbeMessage(readCorpus('k8s-objects', 'apiserver-error-service-range-full.txt'));
    expect(full.kind).toBe('unrecognised');
  });

  it('unrelated errors (webhook, RBAC) are unrecognised', () => {
    expect(parseProbeMessage('services is forbidden: User "x" cannot create resource "services"').kind).toBe('unrecognised');
    expect(parseProbeMessage('The range of valid IPs is banana').kind).toBe('unrecognised');
  });

  it('reads a dual-stack range list', () => {
    expect(parseProbeMessage('provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12,fd00::/108')).toEqual({ kind: 'range', cidrs: ['10.96.0.0/12', 'fd00::/108'] });
  });
});
