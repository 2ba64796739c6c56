/** Flags every command honours, spelled like kubectl's. */
import { Flags } from '@oclif/core';
import { probeFlags } from '../probe/flags.js';

export const OUTPUT_FORMATS = ['text', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number] | 'mermaid';

export const globalFlags = {
  kubeconfig: Flags.string({ description: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)', helpGroup: 'GLOBAL' }),
  context: Flags.string({ description: 'The kubeconfig context to use', helpGroup: 'GLOBAL' }),
  namespace: Flags.string({ char: 'n', description: 'Namespace for names without one (default: from the context, else "default")', helpGroup: 'GLOBAL' }),
  snapshot: Flags.string({ description: 'Analyse a capture written by `kubectl netx collect` instead of the live cluster', helpGroup: 'GLOBAL' }),
  'request-timeout': Flags.string({
    description: 'Give up on the API after this long, retries included (e.g. 30s, 2m; 0 = no limit)',
    default: '30s',
    helpGroup: 'GLOBAL',
  }),
  'no-color': Flags.boolean({ description: 'Plain output (also: NO_COLOR=1)', helpGroup: 'GLOBAL' }),
  ...probeFlags,
};

export const outputFlag = (formats: readonly OutputFormat[] = OUTPUT_FORMATS) =>
  Flags.string({ char: 'o', description: 'Output format', options: [...formats], default: 'text' });

export const allNamespacesFlag = Flags.boolean({ char: 'A', description: 'Look in all namespaces' });

/** Parses kubectl-style durations: `30s`, `2m`, `1h`, `500ms`, a bare number of seconds. 0 disables. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration "${text}": use a number with a unit, e.g. 30s, 2m`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return n * factor;
}
