/**
 * The shape every command's findings share (trace, policy, cidr, proxy-mode): a code from the command's own union,
 * which renderers and analyses decide by, a severity, one line a person reads, and the evidence that makes it true.
 * Each command adds what it has (a hint, next steps, a node) and keeps its evidence type: the JSON each writes is fixed.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface FindingOf<Code extends string, Evidence = string> {
  code: Code;
  severity: Severity;
  message: string;
  evidence?: Evidence[];
}
