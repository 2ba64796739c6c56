/** Flags about what netx may ask of the API server, for the commands that take them. */
import { Flags } from '@oclif/core';

/**
 * Opt-in: RBAC cannot restrict `create services` to dry runs, so this probe needs a write permission
 * netx otherwise never asks for. ServiceCIDR objects, the apiserver's flags and kubeadm-config
 * answer the same question read-only (docs/cidr.md).
 */
export const serviceCidrDryRunFlag = Flags.boolean({
  description: 'Also ask the API server for its service range with a dry-run Service create in default (needs create on services there)',
});
