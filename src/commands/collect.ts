/** `kubectl netx collect`: capture a Snapshot of the cluster for offline analysis (--snapshot). */
import { Flags } from '@oclif/core';
import { NetxCommand } from '../cli/base-command.js';
import { allNamespacesFlag } from '../cli/flags.js';
import { serviceCidrDryRunFlag } from '../cluster/flags.js';

export default class Collect extends NetxCommand {
  static override summary = 'Capture the cluster (API objects and every node\'s dataplane dumps) into a snapshot file';
  static override description =
    'Writes a versioned JSON snapshot (see docs/snapshot.md) that every command can analyse with --snapshot FILE, ' +
    'so a capture from one cluster can be examined anywhere. All namespaces unless -n is given; ' +
    '--no-probe takes API objects only (no debug pods on the nodes). ' +
    'Where it goes: --file FILE, or -o FILE (any value that is not a format), writes the file (a name ending in .gz is ' +
    'gzip-compressed); -o json (or -o -, or no -o) prints it on stdout, -o yaml as YAML (for reading: --snapshot takes JSON), ' +
    "-o jsonpath='{…}' picks from it. Node dumps come from a short-lived, read-only debug pod per node " +
    '(docs/probe.md); --nodes limits them. Needs the permissions printed by `kubectl netx rbac`.';
  static override examples = [
    '<%= config.bin %> collect -o capture.json',
    '<%= config.bin %> collect --file capture.json.gz --context prod',
    '<%= config.bin %> collect -n shop > shop.json',
    '<%= config.bin %> collect -o json | gzip > shop.json.gz',
    '<%= config.bin %> collect --nodes kind-worker,kind-worker2 -o two-nodes.json',
    '<%= config.bin %> collect --no-probe -o objects-only.json',
    '<%= config.bin %> cidr --snapshot capture.json',
  ];
  static override flags = {
    output: Flags.string({
      char: 'o',
      description: 'json (stdout, the default), yaml, jsonpath=TEMPLATE, or a file to write (- is stdout)',
      helpValue: 'json|yaml|jsonpath=TEMPLATE|FILE',
      exclusive: ['file'],
    }),
    file: Flags.string({ description: 'File to write the snapshot to (*.gz: gzip-compressed)', helpValue: 'FILE', exclusive: ['output'] }),
    'all-namespaces': allNamespacesFlag,
    nodes: Flags.string({ description: 'Nodes to probe: all, or NAME,NAME...', default: 'all', helpValue: 'all|NAME,...' }),
    'service-cidr-dry-run': serviceCidrDryRunFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Collect);
    this.configureColor(flags['no-color']);
    // Loaded when this command runs, not with the command table (which holds every command).
    const [{ createProgress }, { obtainSnapshot }, { collectTarget }, { renderReport }, { renderYamlInOrder }, { writeSnapshotFile }, { serializeSnapshot }, { collectAllPlan }, { summarizeSnapshot }] =
      await Promise.all([
        import('../cli/progress.js'),
        import('../cli/source.js'),
        import('../cli/collect-target.js'),
        import('../cli/report.js'),
        import('../render/yaml.js'),
        import('../cli/snapshot-file.js'),
        import('../snapshot/io.js'),
        import('../snapshot/plan.js'),
        import('../snapshot/summary.js'),
      ]);
    // Decided before anything is collected: a bad -o must not cost a capture.
    const target = collectTarget(flags.output, flags.file);
    const namespace = flags['all-namespaces'] ? undefined : flags.namespace;
    const plan = collectAllPlan(namespace);
    const names = flags.nodes.split(',').map((n) => n.trim()).filter(Boolean);
    if (plan.nodes && !(names.length === 1 && names[0] === 'all')) plan.nodes = { ...plan.nodes, names };
    const snapshot = await obtainSnapshot(flags, plan, createProgress());
    if (target.kind === 'file') {
      writeSnapshotFile(target.path, snapshot);
      process.stderr.write(`wrote ${target.path}: ${summarizeSnapshot(snapshot)}\n`);
      return;
    }
    const out = target.spec;
    if (out.format === 'json') this.print(serializeSnapshot(snapshot));
    else if (out.format === 'yaml') this.print(renderYamlInOrder(snapshot));
    else process.stdout.write(renderReport(snapshot, out, { text: () => '', names: () => [] }));
  }
}
