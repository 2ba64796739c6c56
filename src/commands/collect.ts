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
    'A name ending in .gz is gzip-compressed. Needs the permissions printed by `kubectl netx rbac`.';
  static override examples = [
    '<%= config.bin %> collect -o capture.json',
    '<%= config.bin %> collect -o capture.json.gz --context prod',
    '<%= config.bin %> collect -n shop > shop.json',
    '<%= config.bin %> cidr --snapshot capture.json',
  ];
  static override flags = {
    output: Flags.string({ char: 'o', description: 'File to write (- or none: stdout; *.gz: compressed)', helpValue: 'FILE' }),
    'all-namespaces': allNamespacesFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Collect);
    this.configureColor(flags['no-color']);
    const namespace = flags['all-namespaces'] ? undefined : flags.namespace;
    const snapshot = await obtainSnapshot(flags, collectAllPlan(namespace), createProgress());
    const target = flags.output ?? '-';
    if (target === '-') {
      process.stdout.write(serializeSnapshot(snapshot));
      return;
    }
    writeSnapshotFile(target, snapshot);
    process.stderr.write(`wrote ${target}: ${summarizeSnapshot(snapshot)}\n`);
  }
}
