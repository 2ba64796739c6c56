/**
 * The dry-run Service create that makes the API server name its service range: a ClusterIP Service
 * with an address outside every usual range is refused with "The range of valid IPs is <CIDR>".
 * The raw message is kept; interpreting it (its wording changed across versions) is analyze/'s job.
 */
import { ExternalError, UserError } from '../util/errors.js';
import type { CaptureGap } from '../snapshot/types.js';
import type { KubeClient } from './client.js';
import { statusMessage } from './errors.js';

/** Outside every usual service range (TEST-NET-3, RFC 5737), so the dry-run create must be refused. */
const PROBE_CLUSTER_IP = '203.0.113.10';
const PROBE_SERVICE_NAME = 'netx-service-cidr-probe';

export type ProbeOutcome = { kind: 'value'; value: { message: string; status?: number } } | { kind: 'gap'; gap: CaptureGap };

/** Dry-run create of a Service with an out-of-range clusterIP; the refusal names the valid range. */
export async function serviceCidrProbe(client: KubeClient, namespace = 'default'): Promise<ProbeOutcome> {
  const body = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: PROBE_SERVICE_NAME, namespace },
    spec: { type: 'ClusterIP', clusterIP: PROBE_CLUSTER_IP, ports: [{ port: 80, protocol: 'TCP' }] },
  };
  try {
    const res = await client.raw(
      {
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/services`,
        query: { dryRun: 'All' },
        body,
        intent: { verb: 'create', resource: 'services', namespace },
      },
      [400, 409, 422],
    );
    if (res.status < 300) {
      return { kind: 'value', value: { message: `dry-run create with clusterIP ${PROBE_CLUSTER_IP} was accepted: that address is inside a service range`, status: res.status } };
    }
    return { kind: 'value', value: { message: statusMessage(res.text) ?? res.text, status: res.status } };
  } catch (e) {
    // Best effort: only a dead connection or bad credentials stop the capture.
    if (e instanceof ExternalError || (e instanceof UserError && (e.code === 'forbidden' || e.code === 'not-found'))) {
      return { kind: 'gap', gap: { what: 'serviceCidrProbe', reason: e.message, code: e instanceof UserError ? e.code : 'error' } };
    }
    throw e;
  }
}
