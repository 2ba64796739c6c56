/** `kubectl netx rbac`: the minimal RBAC netx needs, ready for kubectl apply. */
import { Errors, Flags } from '@oclif/core';
import { NetxBaseCommand } from '../cli/base-command.js';
import { globalFlags, outputFlag } from '../cli/flags.js';
import { serviceCidrDryRunFlag } from '../cluster/flags.js';
import { DEFAULT_RBAC_PROBE_NAMESPACE, rbacObjects, rbacYaml } from '../cluster/rbac.js';

export default class Rbac extends NetxBaseCommand {
  static override summary = 'Print the minimal RBAC kubectl-netx needs: read-only across the cluster, pods only in the probe namespace';
  static override description =
    'A ClusterRole that only reads; a Role in kube-system for its configuration; a Role in the probe namespace, the only ' +
    'place where netx creates, deletes and execs into pods (and its anchor Job). With a probe namespace of its own, also ' +
    'the Namespace, labelled for Pod Security "privileged". Every rule says why netx needs it; see docs/rbac.md.';
  static override examples = [
    '<%= config.bin %> rbac | kubectl apply -f -',
    '<%= config.bin %> rbac --probe-namespace netx-probe | kubectl apply -f -',
    'kubectl create clusterrolebinding kubectl-netx --clusterrole=kubectl-netx --user=jane@example.com',
  ];
  // Nothing here talks to a cluster: only the flags that shape the output.
  static override baseFlags = { 'no-color': globalFlags['no-color'] };
  static override flags = {
    output: outputFlag(['yaml', 'json', 'name', 'jsonpath', 'jsonpath-as-json']),
    'probe-namespace': Flags.string({ description: 'The namespace the probe pods will run in (the Role that lets netx create them goes there)', default: DEFAULT_RBAC_PROBE_NAMESPACE }),
    'service-cidr-dry-run': serviceCidrDryRunFlag,
    // Accepted only to say what to use instead: the Roles' namespaces are fixed or the probe namespace.
    namespace: Flags.string({ char: 'n', hidden: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Rbac);
    this.configureColor(flags['no-color']);
    if (flags.namespace !== undefined) {
      throw new Errors.CLIError(`-n/--namespace does not apply to rbac: its Roles go to kube-system and to the probe namespace; to put the probe pods in ${flags.namespace}, use --probe-namespace ${flags.namespace}`);
    }
    const options = { probeNamespace: flags['probe-namespace'], serviceCidrDryRun: flags['service-cidr-dry-run'] };
    const list = { apiVersion: 'v1', kind: 'List', items: rbacObjects(options) };
    // YAML keeps the comments that say how to bind the roles; the other formats are data.
    if (flags.output.format === 'yaml') this.print(rbacYaml(options));
    else this.printReport(list, flags.output, { text: () => rbacYaml(options), names: (l) => l.items.map(kindSlashName) });
  }
}

/** `-o name` as kubectl prints it: `clusterrole.rbac.authorization.k8s.io/kubectl-netx`. */
function kindSlashName(o: Record<string, unknown>): string {
  const kind = String(o.kind).toLowerCase();
  const group = String(o.apiVersion).includes('/') ? `.${String(o.apiVersion).split('/')[0]}` : '';
  return `${kind}${group}/${String((o.metadata as { name?: unknown }).name)}`;
}
