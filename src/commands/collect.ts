/** `kubectl netx collect`: capture a Snapshot of the cluster for offline analysis (--snapshot). */
import { Flags } from '@oclif/core';
import { NetxCommand } from '../cli/base-command.js';
import { allNamespacesFlag } from '../cli/flags.js';
import { createProgress } from '../cli/progress.js';
import { obtainSnapshot } from '../cli/source.js';
import { writeSnapshotFile } from '../snapshot/file.js';
import { serializeSnapshot } from '../snapshot/io.js';
import { collectAllPlan } from '../snapshot/plan.js';
import { summarizeSnapshot } from '../snapshot/summary.js';

export default class Collect extends NetxCommand {
  static override summary = 'Capture the cluster (API objects and every node\'s dataplane dumps) into a snapshot file';
  static override description =
    'Writes a versioned JSON snapshot (see docs/snapshot.md) that every command can analyse with --snapshot FILE, ' +
    'so a capture from one cluster can be examined anywhere. All namespaces unless -n is given; ' +
    '--no-probe takes API objects only (no debug pods on the nodes). ' +
    'A name ending in .gz is gzip-compressed. Node dumps come from a short-lived, read-only debug pod per node ' +
    '(docs/probe.md); --nodes limits them. Needs the permissions printed by `kubectl netx rbac`.';
  static override examples = [
    '<%= config.bin %> collect -o capture.json',
    '<%= config.bin %> collect -o capture.json.gz --context prod',
    '<%= config.bin %> collect -n shop > shop.json',
    '<%= config.bin %> collect --nodes kind-worker,kind-worker2 -o two-nodes.json',
    '<%= config.bin %> collect --no-probe -o objects-only.json',
    '<%= config.bin %> cidr --snapshot capture.json',
  ];
  static override flags = {
    output: Flags.string({ char: 'o', description: 'File to write (- or none: stdout; *.gz: compressed)', helpValue: 'FILE' }),
    'all-namespaces': allNamespacesFlag,
    nodes: Flags.string({ description: 'Nodes to probe: all, or NAME,NAME...', default: 'all', helpValue: 'all|NAME,...' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Collect);
    this.configureColor(flags['no-color']);
    const namespace = flags['all-namespaces'] ? undefined : flags.namespace;
    const plan = collectAllPlan(namespace);
    const names = flags.nodes.split(',').map((n) => n.trim()).filter(Boolean);
    if (plan.nodes && !(names.length === 1 && names[0] === 'all')) plan.nodes = { ...plan.nodes, names };
    const snapshot = await obtainSnapshot(flags, plan, createProgress());
    const target = flags.output ?? '-';
    if (target === '-') {
      process.stdout.write(serializeSnapshot(snapshot));
      return;
    }
    writeSnapshotFile(target, snapshot);
    process.stderr.write(`wrote ${target}: ${summarizeSnapshot(snapshot)}\n`);
  }
}
