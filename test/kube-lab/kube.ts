/** Talking to the lab's apiserver from this machine: the built kubectl, and a readiness probe. */
import { request } from 'node:https';
import path from 'node:path';
import { run, sleep, type RunResult } from '../lab/exec.js';
import type { LabPlan } from './plan.js';
import type { LabState } from './state.js';

/** The pinned release's kubectl against the lab; its discovery cache stays in the lab's state. */
export function kubectl(state: LabState, args: string[], input?: string, check = true): Promise<RunResult> {
  const argv = [
    path.join(state.bins.dir, 'kubectl'),
    `--kubeconfig=${state.plan.kubeconfig}`,
    `--cache-dir=${path.join(state.plan.stateDir, 'kubectl-cache')}`,
    ...args,
  ];
  return run(argv, { input, check, timeoutMs: 60_000 });
}

function readyz(plan: LabPlan, caPem: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: plan.apiPort, path: '/readyz', ca: caPem, headers: { authorization: `Bearer ${token}` }, timeout: 5000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Waits for /readyz through the loopback forward (which also checks the certificate names 127.0.0.1). */
export async function waitApiserver(plan: LabPlan, caPem: string, token: string, timeoutMs: number, alive: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readyz(plan, caPem, token)) !== 200) {
    alive();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for kube-apiserver /readyz`);
    await sleep(250);
  }
}
