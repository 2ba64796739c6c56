/** Flags that shape the node probe; every command that can read a live cluster takes them. */
import { Flags } from '@oclif/core';
import { UserError } from '../util/errors.js';
import { DEFAULT_PROBE_IMAGE, DEFAULT_PROBE_NAMESPACE, defaultProbeOptions, isImageReference, type ProbeOptions } from '../probe/options.js';
import { parseDuration } from './duration.js';
import { durationFlag } from './flag-types.js';

export const probeFlags = {
  probe: Flags.boolean({ description: 'Probe nodes with a short-lived debug pod (--no-probe: API objects only)', default: true, allowNo: true, helpGroup: 'PROBE' }),
  image: Flags.string({
    description: `Debug pod image; pin it by digest with NAME@sha256:DIGEST (air-gapped: mirror ${DEFAULT_PROBE_IMAGE} and name the copy)`,
    default: DEFAULT_PROBE_IMAGE,
    helpGroup: 'PROBE',
  }),
  'probe-namespace': Flags.string({
    description: 'Namespace of the debug pods: one of their own, labelled pod-security.kubernetes.io/enforce=privileged',
    default: DEFAULT_PROBE_NAMESPACE,
    aliases: ['namespace-for-probe'],
    helpGroup: 'PROBE',
  }),
  'privileged-probe': Flags.boolean({ description: 'Run the debug pod privileged instead of with NET_ADMIN + NET_RAW only', helpGroup: 'PROBE' }),
  'host-binaries': Flags.boolean({ description: "Run the node's own tools (chroot /host; needs privileged + hostPID)", helpGroup: 'PROBE' }),
  'local-node': Flags.string({ description: 'The node netx runs on: probe it with local commands instead of a debug pod', helpValue: 'NAME', helpGroup: 'PROBE' }),
  'probe-timeout': durationFlag({ description: 'How long to wait for a debug pod to be Running, and for each exec on a node (a batch of commands, or one)', default: '90s', helpGroup: 'PROBE' }),
  'probe-deadline': durationFlag({
    description: 'How long a debug pod may live: the cluster stops and removes it then, even if netx was killed (activeDeadlineSeconds)',
    default: '10m',
    helpGroup: 'PROBE',
  }),
};

export interface ProbeFlagValues {
  probe?: boolean;
  image?: string;
  'probe-namespace'?: string;
  'privileged-probe'?: boolean;
  'host-binaries'?: boolean;
  'probe-timeout'?: string;
  'probe-deadline'?: string;
  'local-node'?: string;
}

/**
 * --probe-deadline in whole seconds (activeDeadlineSeconds). It bounds the pod's whole life, so it
 * must leave room for at least one wait of --probe-timeout; 0 (no limit) is refused: a killed netx's
 * pod would then stay until someone runs cleanup.
 */
function deadlineSeconds(flags: ProbeFlagValues, startTimeoutMs: number): number | undefined {
  if (flags['probe-deadline'] === undefined) return undefined;
  const seconds = Math.ceil(parseDuration(flags['probe-deadline']) / 1000);
  const hint = `a value of at least --probe-timeout (${flags['probe-timeout'] ?? '90s'}), e.g. --probe-deadline 10m (the default)`;
  if (seconds <= 0) throw new UserError(`--probe-deadline ${flags['probe-deadline']}: a debug pod needs a deadline, so that the cluster removes it if netx is killed`, { hint });
  if (seconds * 1000 < startTimeoutMs) {
    throw new UserError(`--probe-deadline ${flags['probe-deadline']} is shorter than --probe-timeout ${flags['probe-timeout'] ?? '90s'}: the pod would be stopped while netx still waits for it`, { hint });
  }
  return seconds;
}

/** The probe options the flags ask for; undefined with --no-probe. The duration was checked while parsing. */
export function probeOptionsFromFlags(flags: ProbeFlagValues): ProbeOptions | undefined {
  if (flags.probe === false) return undefined;
  const startTimeoutMs = flags['probe-timeout'] !== undefined ? parseDuration(flags['probe-timeout']) : undefined;
  if (flags.image !== undefined && !isImageReference(flags.image)) {
    throw new UserError(`--image "${flags.image}" is not an image reference`, { hint: `for example --image ${DEFAULT_PROBE_IMAGE}, or pinned: --image registry.example/netshoot@sha256:<64 hex digits>` });
  }
  const deadline = deadlineSeconds(flags, startTimeoutMs ?? defaultProbeOptions().startTimeoutMs);
  return defaultProbeOptions({
    ...(deadline ? { activeDeadlineSeconds: deadline } : {}),
    ...(flags.image ? { image: flags.image } : {}),
    ...(flags['probe-namespace'] ? { namespace: flags['probe-namespace'] } : {}),
    privileged: flags['privileged-probe'] ?? false,
    hostBinaries: flags['host-binaries'] ?? false,
    // One bound for every wait on a node: the pod to run, then each command in it.
    ...(startTimeoutMs ? { startTimeoutMs, commandTimeoutMs: startTimeoutMs } : {}),
    ...(flags['local-node'] ? { localNode: flags['local-node'] } : {}),
  });
}
