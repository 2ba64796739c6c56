/** `ip -j route show table all` and the plain `ip route` text form → Route[]. */
import type { Route } from '../../model/node.js';
import type { Parsed } from '../parsed.js';
import { looksLikeJson } from '../text.js';
import type { RouteOpts } from './route-common.js';
import { parseRouteJson } from './route-json.js';
import { parseRouteText } from './route-text.js';

export type { RouteOpts } from './route-common.js';

/** Parses either form; JSON is recognised by its first non-blank character. */
export function parseIpRoute(text: string, opts: RouteOpts): Parsed<Route[]> {
  return looksLikeJson(text) ? parseRouteJson(text, opts) : parseRouteText(text, opts);
}
