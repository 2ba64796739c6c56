/** meta/v1 Status bodies as the API server sends them. */

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
}

export const status = (code: number, reason: string, message: string, details?: Record<string, unknown>): StatusBody => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

/** As kube-apiserver words a RBAC refusal. */
export function forbidden(user: string, verb: string, resource: string, group: string, namespace: string | undefined, name?: string): StatusBody {
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const what = name ? `${resource} "${name}"` : resource;
  return status(403, 'Forbidden', `${what} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`, {
    ...(name ? { name } : {}),
    kind: resource,
  });
}

export const notFound = (resource: string, group: string, name?: string): StatusBody =>
  name
    ? status(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, { name, group, kind: resource })
    : status(404, 'NotFound', 'the server could not find the requested resource', {});

/**
 * The 422 of a Service create whose clusterIP lies outside the service range, in the wording of
 * current API servers (corpus: apiserver-error-clusterip-out-of-range.v4-*, facts §1).
 */
export function clusterIpOutOfRange(serviceName: string, ip: string, cidr: string): StatusBody {
  const invalid = `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`;
  return status(422, 'Invalid', `Service "${serviceName}" is invalid: spec.clusterIPs: ${invalid}`, {
    name: serviceName,
    kind: 'Service',
    causes: [{ reason: 'FieldValueInvalid', message: invalid, field: 'spec.clusterIPs' }],
  });
}
