/** `kubectl netx rbac`: the minimal ClusterRole netx needs, ready for kubectl apply. */
import { NetxCommand } from '../cli/base-command.js';
import { Flags } from '@oclif/core';
import { rbacObjects, rbacYaml } from '../cluster/rbac.js';

export default class Rbac extends NetxCommand {
  static override summary = 'Print the minimal RBAC (a ClusterRole and two Roles) kubectl-netx needs';
  static override description =
    'Every rule says why netx needs it. Apply it and bind it to the user or group that runs netx; see docs/rbac.md.';
  static override examples = [
    '<%= config.bin %> rbac | kubectl apply -f -',
    'kubectl create clusterrolebinding kubectl-netx --clusterrole=kubectl-netx --user=jane@example.com',
  ];
  static override flags = { output: Flags.string({ char: 'o', description: 'Output format', options: ['yaml', 'json'], default: 'yaml' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Rbac);
    this.configureColor(flags['no-color']);
    this.print(flags.output === 'json' ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbacObjects() }, null, 2) : rbacYaml());
  }
}
