/** `ipset save` (create/add lines; also the old `-N`/`-A` form) → IpSet[] for `-m set --match-set`. */
import type { IpSet } from '../../model/netfilter.js';
import { ParseError } from '../../util/parse-error.js';
import { tokenize } from './tokenize.js';

export interface IpsetSaveOpts {
  source: string;
}

/** Parses the text; ParseError (line, column) on a line that is neither create nor add. */
export function parseIpsetSave(text: string, opts: IpsetSaveOpts): IpSet[] {
  const sets = new Map<string, IpSet>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (/^(Name|Type|Members|Header|Revision):/.test(line))
      throw new ParseError(opts.source, 'this is `ipset list` output; capture with `ipset save`', lineNo, 1);
    const words = tokenize(line, opts.source, lineNo);
    const [cmd, name, third] = words;
    if (!cmd || !name || !third)
      throw new ParseError(opts.source, 'expected "create NAME TYPE …" or "add NAME MEMBER …"', lineNo, 1);
    if (cmd.value === 'create' || cmd.value === '-N') {
      const set: IpSet = { name: name.value, type: third.value, members: [] };
      for (let k = 3; k < words.length; k++) {
        const w = words[k]!.value;
        const next = words[k + 1]?.value;
        if (w === 'family' && (next === 'inet' || next === 'inet6')) set.family = next;
        if (w === 'timeout' && next !== undefined && /^\d+$/.test(next) && next !== '0') set.timeout = Number(next);
      }
      sets.set(set.name, set);
    } else if (cmd.value === 'add' || cmd.value === '-A') {
      const set = sets.get(name.value);
      if (!set) throw new ParseError(opts.source, `add to set ${name.value} before its create line`, lineNo, name.start + 1);
      if (words.some((w, k) => k > 2 && w.value === 'nomatch')) (set.nomatch ??= []).push(third.value);
      else set.members.push(third.value);
    } else {
      throw new ParseError(opts.source, `unexpected "${cmd.value}": expected create or add (output of \`ipset save\`)`, lineNo, cmd.start + 1);
    }
  }
  return [...sets.values()];
}
