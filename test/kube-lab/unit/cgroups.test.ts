/** down removes the pod cgroups the lab made and no others (a tree of plain directories stands in for /sys/fs/cgroup). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { podCgroups, removeNewPodCgroups } from '../cgroups.js';

describe('pod cgroups', () => {
  it('removes the k8s.io cgroups made since `up`, keeps those that were there, and names what could not go', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'kube-lab-cgroups-'));
    mkdirSync(path.join(root, 'memory/k8s.io/old'), { recursive: true });
    mkdirSync(path.join(root, 'memory/other'), { recursive: true });
    mkdirSync(path.join(root, 'pids'), { recursive: true });
    const before = podCgroups(root);
    expect(before).toEqual([path.join(root, 'memory/k8s.io'), path.join(root, 'memory/k8s.io/old')]);
    mkdirSync(path.join(root, 'memory/k8s.io/new'));
    mkdirSync(path.join(root, 'pids/k8s.io/a'), { recursive: true });
    mkdirSync(path.join(root, 'pids/k8s.io/busy'));
    writeFileSync(path.join(root, 'pids/k8s.io/busy/x'), ''); // rmdir fails, as on a cgroup with processes
    const left = removeNewPodCgroups(before, root);
    expect(left.sort()).toEqual([path.join(root, 'pids/k8s.io'), path.join(root, 'pids/k8s.io/busy')]);
    expect(podCgroups(root)).toEqual([...before, path.join(root, 'pids/k8s.io'), path.join(root, 'pids/k8s.io/busy')].sort());
  });
});
