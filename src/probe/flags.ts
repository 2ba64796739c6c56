/** Flags that shape the node probe; every command that can read a live cluster takes them. */
import { Flags } from '@oclif/core';
import { UserError } from '../util/errors.js';
import { DEFAULT_PROBE_IMAGE, DEFAULT_PROBE_NAMESPACE, defaultProbeOptions, type ProbeOptions } from './options.js';

export const probeFlags = {
  probe: Flags.boolean({ description: 'Probe nodes with a short-lived debug pod (--no-probe: API objects only)', default: true, allowNo: true, helpGroup: 'PROBE' }),
  image: Flags.string({ description: `Debug pod image (air-gapped: mirror ${DEFAULT_PROBE_IMAGE} and name the copy)`, default: DEFAULT_PROBE_IMAGE, helpGroup: 'PROBE' }),
  'namespace-for-probe': Flags.string({ description: 'Namespace of the debug pods (must allow host-network pods)', default: DEFAULT_PROBE_NAMESPACE, helpGroup: 'PROBE' }),
  'privileged-probe': Flags.boolean({ description: 'Run the debug pod privileged instead of with NET_ADMIN + NET_RAW only', helpGroup: 'PROBE' }),
  'host-binaries': Flags.boolean({ description: "Run the node's own tools (chroot /host; needs privileged + hostPID)", helpGroup: 'PROBE' }),
  'local-node': Flags.string({ description: 'The node netx runs on: probe it with local commands instead of a debug pod', helpValue: 'NAME', helpGroup: 'PROBE' }),
  'probe-timeout': Flags.string({ description: 'How long to wait for a debug pod to be Running', default: '90s', helpGroup: 'PROBE' }),
};

export interface ProbeFlagValues {
  probe?: boolean;
  image?: string;
  'namespace-for-probe'?: string;
  'privileged-probe'?: boolean;
  'host-binaries'?: boolean;
  'probe-timeout'?: string;
  'local-node'?: string;
}

/**
 * The probe options the flags ask for; undefined with --no-probe. `parseDuration` comes from the
 * caller (cli/flags.ts imports this file, so importing it back would be a cycle).
 */
export function probeOptionsFromFlags(flags: ProbeFlagValues, parseDuration: (text: string) => number): ProbeOptions | undefined {
  if (flags.probe === false) return undefined;
  let startTimeoutMs: number | undefined;
  if (flags['probe-timeout'] !== undefined) {
    try {
      startTimeoutMs = parseDuration(flags['probe-timeout']);
    } catch (e) {
      throw new UserError((e as Error).message, { hint: 'for example --probe-timeout 2m' });
    }
  }
  return defaultProbeOptions({
    ...(flags.image ? { image: flags.image } : {}),
    ...(flags['namespace-for-probe'] ? { namespace: flags['namespace-for-probe'] } : {}),
    privileged: flags['privileged-probe'] ?? false,
    hostBinaries: flags['host-binaries'] ?? false,
    ...(startTimeoutMs ? { startTimeoutMs } : {}),
    ...(flags['local-node'] ? { localNode: flags['local-node'] } : {}),
  });
}
