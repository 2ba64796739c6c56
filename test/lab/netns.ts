/**
 * Namespace naming and cleanup. Every lab namespace is named `nxl<pid>x<seq>-…`, so a run only
 * ever touches its own namespaces, and the start-up sweep can remove those of runs that died
 * (their pid no longer exists) without disturbing labs other processes are running right now.
 */
import { run, runSync } from './exec.js';

const PREFIX_RE = /^nxl(\d+)x(\d+)-/;
let seq = 0;

/** A fresh prefix for one lab in this process. */
export function newPrefix(): string {
  seq += 1;
  return `nxl${process.pid}x${seq}-`;
}

/** Names of all network namespaces on the machine (`ip netns list`). */
export async function listNetns(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list'], { check: false });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.length > 0);
}

export const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Deletes one namespace after ending the processes inside it (which only a lab can have started). */
export function deleteNetnsSync(ns: string): void {
  const pids = runSync(['ip', 'netns', 'pids', ns]).stdout.split('\n').filter((l) => /^\d+$/.test(l.trim()));
  for (const p of pids) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  runSync(['ip', 'netns', 'del', ns]);
}

/** Removes lab namespaces left behind by lab runs whose process has died. Returns what it removed. */
export async function sweepLeftovers(): Promise<string[]> {
  const dead = (await listNetns()).filter((n) => {
    const m = PREFIX_RE.exec(n);
    return m !== null && !pidAlive(Number(m[1]));
  });
  for (const ns of dead) deleteNetnsSync(ns);
  return dead;
}

/**
 * Throwaway namespaces for one kernel check, named as every lab namespace is (so a run that dies leaves nothing the
 * next sweep misses): `setup` runs in each by name, then `fn`; deleted afterwards, processes inside ended, however
 * it ends.
 */
export async function withNetns<T>(roles: readonly string[], setup: (ns: Record<string, string>) => Promise<void>, fn: (ns: Record<string, string>) => Promise<T>): Promise<T> {
  const prefix = newPrefix();
  const made: string[] = [];
  const names: Record<string, string> = {};
  try {
    for (const role of roles) {
      const name = `${prefix}${role}`;
      await run(['ip', 'netns', 'add', name]);
      made.push(name);
      names[role] = name;
    }
    await setup(names);
    return await fn(names);
  } finally {
    for (const ns of made) deleteNetnsSync(ns);
  }
}
