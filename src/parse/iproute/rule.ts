/** `ip -j rule show` and the plain `ip rule` text form → RoutingRule[]. */
import type { RoutingRule } from '../../model/node.js';
import type { Parsed } from '../parsed.js';
import { looksLikeJson } from '../text.js';
import type { RuleOpts } from './rule-common.js';
import { parseRuleJson } from './rule-json.js';
import { parseRuleText } from './rule-text.js';

export type { RuleOpts } from './rule-common.js';

/** Parses either form; JSON is recognised by its first non-blank character. */
export function parseIpRule(text: string, opts: RuleOpts): Parsed<RoutingRule[]> {
  return looksLikeJson(text) ? parseRuleJson(text, opts) : parseRuleText(text, opts);
}
