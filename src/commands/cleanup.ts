/** `kubectl netx cleanup`: delete probe pods (and anchor Jobs) a killed netx run left behind. */
import { Flags } from '@oclif/core';
import { NetxBaseCommand } from '../cli/base-command.js';
import { globalFlags } from '../cli/flags.js';

export default class Cleanup extends NetxBaseCommand {
  static override summary = 'Delete netx probe pods left behind (past their deadline)';
  static override description =
    'netx deletes its debug pods on success, error, timeout, Ctrl-C and SIGTERM; if it is killed outright the kubelet stops ' +
    'them at their activeDeadlineSeconds and the cluster deletes them with the run\'s anchor Job. This removes what is left ' +
    '(label app.kubernetes.io/managed-by=kubectl-netx, and a spec netx made) in all namespaces, or in the one given with -n, ' +
    'saying what it deletes before it does. See docs/probe.md.';
  static override examples = ['<%= config.bin %> cleanup --dry-run', '<%= config.bin %> cleanup', '<%= config.bin %> cleanup --all -n netx-probe'];
  // A live cluster only: no --snapshot, no probe flags.
  static override baseFlags = {
    kubeconfig: globalFlags.kubeconfig,
    context: globalFlags.context,
    namespace: Flags.string({ char: 'n', description: 'Only this namespace (default: every namespace)', helpGroup: 'GLOBAL' }),
    'request-timeout': globalFlags['request-timeout'],
    'no-color': globalFlags['no-color'],
  };
  static override flags = {
    all: Flags.boolean({ description: 'Also delete probe pods still within their deadline (another netx run may be using them)' }),
    'dry-run': Flags.boolean({ description: 'List what would be deleted, delete nothing' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Cleanup);
    this.configureColor(flags['no-color']);
    const { clusterOptionsFromFlags } = await import('../cluster/options.js');
    const { KubeClient } = await import('../cluster/client.js');
    const { cleanupProbePods, renderCleanup } = await import('../probe/cleanup.js');
    const options = { ...clusterOptionsFromFlags({ ...flags, requestTimeoutMs: this.timeoutMs(flags['request-timeout']) }), snapshotAlternative: false };
    const client = KubeClient.connect(options);
    const result = await cleanupProbePods(client, { namespace: flags.namespace, all: flags.all, dryRun: flags['dry-run'] }, new Date(), (line) => this.print(line));
    this.print(renderCleanup(result));
    if (result.failed.length) this.exit(1);
  }
}
