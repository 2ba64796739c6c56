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
  // Resources of a named group are spelt resource.group, as kube-apiserver's Status does.
  const qualified = group ? `${resource}.${group}` : resource;
  const what = name ? `${qualified} "${name}"` : qualified;
  return status(403, 'Forbidden', `${what} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`, {
    ...(name ? { name } : {}),
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export const notFound = (resource: string, group: string, name?: string): StatusBody =>
  name
    ? status(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource })
    : status(404, 'NotFound', 'the server could not find the requested resource', {});

/**
 * The 422 of a Service create whose clusterIP lies outside the service range. The bad value is printed
 * as Go's %#v (`[]string{"IP"}`, corpus: apiserver-error-clusterip-out-of-range.v4-*, facts §1) before
 * apimachinery 0.34 and as JSON (`["IP"]`) since (its field/errors.go; the kube-lab's v1.37 says so).
 */
export function clusterIpOutOfRange(serviceName: string, ip: string, cidr: string, jsonValues = false): StatusBody {
  const value = jsonValues ? `["${ip}"]` : `[]string{"${ip}"}`;
  const invalid = `Invalid value: ${value}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`;
  return status(422, 'Invalid', `Service "${serviceName}" is invalid: spec.clusterIPs: ${invalid}`, {
    name: serviceName,
    kind: 'Service',
    causes: [{ reason: 'FieldValueInvalid', message: invalid, field: 'spec.clusterIPs' }],
  });
}
