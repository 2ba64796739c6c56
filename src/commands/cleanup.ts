/** `kubectl netx cleanup`: delete probe pods a killed netx run left behind. */
import { Flags } from '@oclif/core';
import { NetxCommand } from '../cli/base-command.js';
import { UserError } from '../util/errors.js';

export default class Cleanup extends NetxCommand {
  static override summary = 'Delete netx probe pods left behind (past their deadline)';
  static override description =
    'netx deletes its debug pods on success, error, timeout, Ctrl-C and SIGTERM; a pod survives only when netx is killed ' +
    'outright, and then the kubelet stops it at its activeDeadlineSeconds. This removes such pods (label ' +
    'app.kubernetes.io/managed-by=kubectl-netx) in all namespaces, or in the one given with -n. See docs/probe.md.';
  static override examples = ['<%= config.bin %> cleanup --dry-run', '<%= config.bin %> cleanup', '<%= config.bin %> cleanup --all -n kube-system'];
  static override flags = {
    all: Flags.boolean({ description: 'Also delete probe pods still within their deadline (another netx run may be using them)' }),
    'dry-run': Flags.boolean({ description: 'List what would be deleted, delete nothing' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Cleanup);
    this.configureColor(flags['no-color']);
    if (flags.snapshot) throw new UserError('cleanup acts on a live cluster; --snapshot does not apply', { hint: 'drop --snapshot' });
    const { clusterOptionsFromFlags } = await import('../cluster/options.js');
    const { KubeClient } = await import('../cluster/client.js');
    const { cleanupProbePods, renderCleanup } = await import('../probe/cleanup.js');
    const client = KubeClient.connect(clusterOptionsFromFlags({ ...flags, requestTimeoutMs: this.timeoutMs(flags['request-timeout']) }));
    const result = await cleanupProbePods(client, { namespace: flags.namespace, all: flags.all, dryRun: flags['dry-run'] }, new Date());
    this.print(renderCleanup(result));
    if (result.failed.length) this.exit(1);
  }
}
