/** Which CNI configuration the container runtime actually uses. */
import { ParseError } from '../../util/parse-error.js';
import { parseCniFile } from './config.js';
import type { CniSelection } from '../../model/cni.js';

export type { CniSelection } from '../../model/cni.js';

const CONFIG_EXT = ['.conflist', '.conf', '.json'];

const dirOf = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf('/'))) || '/';

/**
 * The runtime (libcni / containerd / CRI-O) loads the first file in lexical order among .conflist/.conf/.json of its CNI
 * directory. `files` maps absolute paths to contents (NodeCapture.files); `dir` defaults to the directory, among those
 * present, that holds configuration files — /etc/cni/net.d first.
 */
export function selectCniConfig(files: Record<string, string>, dir?: string): CniSelection {
  const paths = Object.keys(files).sort();
  const dirs = [...new Set(paths.map(dirOf))];
  const isConfig = (p: string): boolean => CONFIG_EXT.some((e) => p.endsWith(e));
  const chosenDir = dir ?? (dirs.includes('/etc/cni/net.d') && paths.some((p) => dirOf(p) === '/etc/cni/net.d' && isConfig(p)) ? '/etc/cni/net.d' : dirs.find((d) => paths.some((p) => dirOf(p) === d && isConfig(p))));
  if (chosenDir === undefined) return { kind: 'none', ignored: paths };
  const inDir = paths.filter((p) => dirOf(p) === chosenDir);
  const candidates = inDir.filter(isConfig);
  const ignored = inDir.filter((p) => !isConfig(p));
  const path = candidates[0];
  if (path === undefined) return { kind: 'none', dir: chosenDir, ignored };
  try {
    const { value, warnings } = parseCniFile(path, files[path] ?? '');
    return { kind: 'selected', dir: chosenDir, path, config: value, warnings, candidates, ignored };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { kind: 'invalid', dir: chosenDir, path, error: e, candidates, ignored };
  }
}
