/**
 * What a command needs from the cluster. A live run collects exactly this (and no more); a
 * `--snapshot` run checks that the file holds it. This is the contract between commands and cluster/.
 */
import type { DumpKey, ResourceName } from './types.js';

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
  /** A missing API or CRD (404) is recorded as a gap instead of failing the command. */
  optional?: boolean;
}

export interface CollectPlan {
  resources: ResourceRequest[];
  serverVersion?: boolean;
  /** Run the dry-run Service create that reveals the service CIDR in its error message. */
  serviceCidrProbe?: boolean;
  /** Node dataplane dumps (probe/); omitted = API objects only. */
  nodes?: { names: string[] | 'all'; dumps: DumpKey[] };
}
