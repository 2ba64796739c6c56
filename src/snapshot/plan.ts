/**
 * What a command needs from the cluster. A live run collects exactly this (and no more); a
 * `--snapshot` run checks that the file holds it. This is the contract between commands and cluster/.
 */
import type { ClusterCapture, DumpKey, ResourceName } from './types.js';

export interface ResourceRequest {
  resource: ResourceName;
  /** Omitted: all namespaces (for namespaced resources). */
  namespace?: string;
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * `full`: the objects as the API returns them. `table`: a server-side Table listing turned into
   * minimal objects (lighter for big lists such as pods); `metadata`: PartialObjectMetadata only.
   */
  view?: 'full' | 'table' | 'metadata';
  /**
   * Table listings only: what each row carries besides its cells. `Metadata` (the API's default):
   * the object's whole metadata (managedFields, annotations, owners: most of a pod row's bytes).
   * `None`: the cells alone. Cells hold no namespace, so a cluster-wide listing of a namespaced
   * resource is then made namespace by namespace (see cluster/client.ts).
   */
  includeObject?: 'None' | 'Metadata';
  /**
   * Dot-separated field paths removed from each object as soon as its page is read: parts the
   * command never reads that dominate an object's size (`metadata.managedFields`, `status.images`
   * of nodes). The rest of each object stays as the API returned it.
   */
  drop?: string[];
  /** A missing API or CRD (404) is recorded as a gap instead of failing the command. */
  optional?: boolean;
}

export interface CollectPlan {
  resources: ResourceRequest[];
  serverVersion?: boolean;
  /** Run the dry-run Service create that reveals the service CIDR in its error message. */
  serviceCidrProbe?: boolean;
  /**
   * Node dataplane dumps (probe/); omitted = API objects only. `dumps: []` = the whole catalogue.
   * `conntrackAddresses`: filter conntrack in the kernel to entries involving these addresses.
   */
  nodes?: {
    names: string[] | 'all';
    dumps: DumpKey[];
    conntrackAddresses?: string[];
    /** Addresses known only once the API objects are listed (trace: the client, the VIP, the endpoints). */
    /** Undefined: the addresses could not be worked out, so the whole table is read. */
    conntrackAddressesFrom?: (objects: ClusterCapture['objects']) => string[] | undefined;
  };
}

/**
 * Everything `kubectl netx collect` captures: all resources netx reads (full objects, so any command
 * can analyse the file), /version, the service CIDR probe and every node's dumps. `namespace` limits
 * namespaced resources (-n); kube-system configmaps are always taken from kube-system, and DaemonSets
 * from every namespace, as the live commands list them: CNIs and policy engines run theirs in namespaces
 * of their own (kube-flannel, calico-system …), so an offline answer needs them as much as a live one.
 */
export function collectAllPlan(namespace?: string): CollectPlan {
  const ns = namespace === undefined ? {} : { namespace };
  return {
    resources: [
      { resource: 'nodes' },
      { resource: 'namespaces' },
      { resource: 'pods', ...ns },
      { resource: 'services', ...ns },
      { resource: 'endpointslices', ...ns },
      { resource: 'networkpolicies', ...ns },
      { resource: 'servicecidrs', optional: true },
      { resource: 'configmaps', namespace: 'kube-system' },
      { resource: 'daemonsets', optional: true },
      { resource: 'ippools', optional: true },
      { resource: 'ciliumnodes', optional: true },
    ],
    serverVersion: true,
    serviceCidrProbe: true,
    nodes: { names: 'all', dumps: [] },
  };
}
