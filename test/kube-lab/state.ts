/** The kube-lab's state file: what `up` started and made, so `down` undoes exactly that. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Bins } from './daemons.js';
import type { Machine } from './hosts.js';
import type { LabPlan } from './plan.js';
import type { ProcRecord } from './procs.js';

export interface LabState {
  version: 1;
  plan: LabPlan;
  bins: Bins;
  startedAt: string;
  /** Set once every node is Ready. */
  readyAt?: string;
  procs: ProcRecord[];
  /** Network namespaces `up` created (names under /run/netns). */
  netns: string[];
  /** The machines' inits (control plane first, then the nodes). */
  machines: Machine[];
  /** Pod cgroups (`…/k8s.io[/…]`) that existed before `up`: `down` leaves exactly these. */
  podCgroupsBefore: string[];
  /** Seconds from the start of `up` to each milestone. */
  timings: Record<string, number>;
}

const stateFile = (stateDir: string): string => path.join(stateDir, 'lab.json');

export function loadState(stateDir: string): LabState | undefined {
  const file = stateFile(stateDir);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as LabState;
  if (state.version !== 1) throw new Error(`kube-lab: ${file} has an unknown version; remove the lab by hand`);
  return state;
}

export function machineOf(state: LabState, label: string): Machine {
  const m = state.machines.find((x) => x.label === label);
  if (!m) throw new Error(`kube-lab: no machine ${label} in the lab's state`);
  return m;
}

export function saveState(state: LabState): void {
  mkdirSync(state.plan.stateDir, { recursive: true });
  const file = stateFile(state.plan.stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
