/** Flags every command honours, spelled like kubectl's. */
import { Flags } from '@oclif/core';
import { probeFlags } from './probe-flags.js';
import { durationFlag, verbosityFlag } from './flag-types.js';

export const globalFlags = {
  kubeconfig: Flags.string({ description: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)', helpGroup: 'GLOBAL' }),
  context: Flags.string({ description: 'The kubeconfig context to use', helpGroup: 'GLOBAL' }),
  namespace: Flags.string({ char: 'n', description: 'Namespace for names without one (default: from the context, else "default")', helpGroup: 'GLOBAL' }),
  snapshot: Flags.string({ description: 'Analyse a capture written by `kubectl netx collect` instead of the live cluster', helpGroup: 'GLOBAL' }),
  'request-timeout': durationFlag({
    description: 'Give up on the API after this long, retries included (e.g. 30s, 2m; 0 = no limit)',
    default: '30s',
    helpGroup: 'GLOBAL',
  }),
  'no-color': Flags.boolean({ description: 'Plain output (also: NO_COLOR=1)', helpGroup: 'GLOBAL' }),
  v: verbosityFlag({ default: 0 }),
  ...probeFlags,
};

export { outputFlag } from './flag-types.js';

export const allNamespacesFlag = Flags.boolean({ char: 'A', description: 'Look in all namespaces' });

export { parseDuration } from './duration.js';
