/** What every trace finding may know about the request: both ends, the target and the node the packet starts on. */
import type { Destination, Source } from './resolve.js';
import type { Target } from './targets.js';
import type { ExternalSource } from './external.js';

export interface FindingCtx {
  source: Source | ExternalSource;
  dest: Destination;
  target: Target;
  srcNode: string;
}
