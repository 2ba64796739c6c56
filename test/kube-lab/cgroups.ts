/**
 * containerd's CRI plugin puts the lab's pods under a `k8s.io` cgroup in every hierarchy (the kubelet
 * runs without QoS cgroups), and leaves that parent behind when it stops. `up` notes which of these
 * directories existed before; `down` removes the ones the lab made (rmdir: only empty cgroups go).
 */
import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = '/sys/fs/cgroup';
const PARENT = 'k8s.io';

/** Every `k8s.io` cgroup and its children, in every hierarchy under /sys/fs/cgroup. */
export function podCgroups(root = ROOT): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const h of readdirSync(root)) {
    const parent = path.join(root, h, PARENT);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) continue;
    out.push(parent);
    for (const c of readdirSync(parent, { withFileTypes: true })) if (c.isDirectory()) out.push(path.join(parent, c.name));
  }
  return out.sort();
}

/** Removes the pod cgroups that were not there before, deepest first; returns those that could not go. */
export function removeNewPodCgroups(before: readonly string[], root = ROOT): string[] {
  const keep = new Set(before);
  const made = podCgroups(root).filter((d) => !keep.has(d)).sort((a, b) => b.length - a.length);
  const left: string[] = [];
  for (const d of made) {
    try {
      rmdirSync(d);
    } catch {
      left.push(d);
    }
  }
  return left;
}
