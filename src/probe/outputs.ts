/** Pure helpers that turn probe command outputs into snapshot parts. */

/** Interface names from `ip -d -j link show` (for per-interface sysctls); [] when unreadable. */
export function linkNames(linkJson: string): string[] {
  try {
    const links = JSON.parse(linkJson) as { ifname?: unknown }[];
    return Array.isArray(links) ? links.map((l) => (typeof l.ifname === 'string' ? l.ifname : '')).filter((n) => n !== '' && n !== 'lo') : [];
  } catch {
    return [];
  }
}

/**
 * Filtered conntrack runs one listing per address and direction, so an entry can appear several
 * times; its timeout counts down between listings, so compare entries without it.
 */
export function dedupeConntrack(text: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const key = line.replace(/^(\S+\s+\d+\s+)\d+\s/, '$1');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(line);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

export interface FileListing {
  /** path → content of each file read. */
  files: Record<string, string>;
  /** Files listed by name only (`--> path`): present, deliberately not read. */
  skipped: string[];
  /** Files that could not be read (`=!= path`). */
  unreadable: string[];
  /** The directory listed does not exist (`=?= dir`). */
  absent?: string;
}

/** A file listing (`==> path`, base64 lines, `<==`; `--> path`; `=!= path`), see probe/catalogue.ts. */
export function parseFileListing(text: string): FileListing {
  const out: FileListing = { files: {}, skipped: [], unreadable: [] };
  let path: string | undefined;
  let body: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('==> ')) {
      path = line.slice(4);
      body = [];
    } else if (line === '<==' && path !== undefined) {
      out.files[path] = Buffer.from(body.join(''), 'base64').toString('utf8');
      path = undefined;
    } else if (path !== undefined) body.push(line.trim());
    else if (line.startsWith('--> ')) out.skipped.push(line.slice(4));
    else if (line.startsWith('=!= ')) out.unreadable.push(line.slice(4));
    else if (line.startsWith('=?= ')) out.absent = line.slice(4);
  }
  return out;
}
