/**
 * How a cluster test file declares its suites: with the lab that global-setup.ts started, or one skipped test saying
 * why there is none (without root or the lab's tools; global-setup.ts fails instead when NETX_REQUIRE_LAB=1, and CI
 * fails on any skipped test).
 */
import { describe, inject, it } from 'vitest';
import type { KubeLabContext } from './global-setup.js';
import { loadState, type LabState } from './state.js';

export function labSuites(title: string, suites: (lab: KubeLabContext, state: LabState) => void): void {
  const provided = inject('kubeLab');
  const state = 'missing' in provided ? undefined : loadState(provided.stateDir);
  if ('missing' in provided || !state) {
    describe(title, () => it.skip('missing' in provided ? provided.missing : `no kube-lab state in ${provided.stateDir}`, () => undefined));
  } else {
    suites(provided, state);
  }
}
