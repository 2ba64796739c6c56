/**
 * The kube-lab's processes: started detached (they outlive `up`), each recorded by PID and start time
 * in the state file so `down` ends exactly these and nothing that merely reused a PID.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { sleep } from '../lab/exec.js';

export interface ProcRecord {
  /** Daemon name, e.g. `kubelet`. */
  name: string;
  /** `control-plane`, `host` or a node name. */
  host: string;
  pid: number;
  /** Field 22 of /proc/PID/stat: with the PID, it names one process for the machine's uptime. */
  startTime: string;
  argv: string[];
  log: string;
}

/** Start time of a live process; undefined once it has exited (a zombie waiting to be reaped counts as exited). */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export const isRunning = (p: Pick<ProcRecord, 'pid' | 'startTime'>): boolean => procStartTime(p.pid) === p.startTime;

export interface StartSpec {
  name: string;
  host: string;
  argv: string[];
  log: string;
  env?: Record<string, string>;
}

/** Children of a process (its main thread's), in the order the kernel lists them. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Starts a daemon through `nsenter --pid …`, which forks it into the target PID namespace and waits for
 * it: the record names the daemon itself (nsenter's child), which is what gets signalled.
 */
export async function startForked(spec: StartSpec): Promise<ProcRecord> {
  const wrapper = startDaemon(spec);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const child = childPids(wrapper.pid)[0];
    const startTime = child === undefined ? undefined : procStartTime(child);
    if (child !== undefined && startTime !== undefined) return { ...wrapper, pid: child, startTime };
    if (!isRunning(wrapper)) throw new Error(`${spec.name} on ${spec.host} exited at once; see ${spec.log}`);
    if (Date.now() > deadline) throw new Error(`${spec.name} on ${spec.host} did not start in 10 s; see ${spec.log}`);
    await sleep(10);
  }
}

/** Starts a daemon in its own session with stdout and stderr appended to its log. */
export function startDaemon(spec: StartSpec): ProcRecord {
  const [cmd, ...args] = spec.argv;
  if (!cmd) throw new Error('startDaemon: empty argv');
  const fd = openSync(spec.log, 'a');
  try {
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: '/',
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...spec.env },
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start ${spec.name}: ${cmd} did not start`);
    const startTime = procStartTime(child.pid);
    if (startTime === undefined) throw new Error(`${spec.name} exited at once; see ${spec.log}`);
    return { name: spec.name, host: spec.host, pid: child.pid, startTime, argv: spec.argv, log: spec.log };
  } finally {
    closeSync(fd);
  }
}

/** Resident memory of a process in KiB (VmRSS), or undefined when it is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface ProcInfo {
  pid: number;
  ppid: number;
  startTime: string;
  netns: string;
  mntns: string;
  pidns: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return {
      pid,
      ppid: Number(fields[1]),
      startTime: fields[19] ?? '',
      netns: readlinkSync(`/proc/${pid}/ns/net`),
      mntns: readlinkSync(`/proc/${pid}/ns/mnt`),
      pidns: readlinkSync(`/proc/${pid}/ns/pid`),
    };
  } catch {
    return undefined;
  }
}

function allProcs(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined && p.pid !== process.pid);
}

/** `net:[4026532…]`-style identity of a namespace file (a bind-mounted nsfs file or /proc/PID/ns/*). */
export function nsId(file: string, kind: 'net' | 'mnt' | 'pid'): string | undefined {
  try {
    return `${kind}:[${statSync(file).ino}]`;
  } catch {
    return undefined;
  }
}

/**
 * Every process the lab owns: the recorded daemons, everything they started (containerd's shims and
 * the containers under them, found through the parent chain), and anything running in one of the
 * lab's network or mount namespaces.
 */
export function labProcesses(records: readonly ProcRecord[], nsIds: ReadonlySet<string>): ProcInfo[] {
  const procs = allProcs();
  const owned = new Set<number>(records.filter(isRunning).map((r) => r.pid));
  for (const p of procs) if (nsIds.has(p.netns) || nsIds.has(p.mntns) || nsIds.has(p.pidns)) owned.add(p.pid);
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const queue = [...owned];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    for (const c of children.get(pid) ?? []) {
      if (!owned.has(c.pid)) {
        owned.add(c.pid);
        queue.push(c.pid);
      }
    }
  }
  return procs.filter((p) => owned.has(p.pid));
}

/** Sends SIGTERM, waits up to graceMs, then SIGKILLs whatever of these processes is still the same process. */
export async function stopProcesses(procs: readonly Pick<ProcRecord, 'pid' | 'startTime'>[], graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    for (const p of procs) {
      if (!isRunning(p)) continue;
      try {
        process.kill(p.pid, sig);
      } catch {
        // gone between the check and the signal
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && procs.some(isRunning)) await sleep(100);
  if (!procs.some(isRunning)) return;
  signal('SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && procs.some(isRunning)) await sleep(50);
}
