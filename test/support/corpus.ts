/** The shared corpus of real dumps lives beside the repo (../shared/corpus); tests read it in place. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CORPUS_ROOT = path.resolve(REPO_ROOT, '..', 'shared', 'corpus');

export const corpusPath = (...parts: string[]): string => path.join(CORPUS_ROOT, ...parts);
export const readCorpus = (...parts: string[]): string => readFileSync(corpusPath(...parts), 'utf8');
/** File names in one corpus folder, sorted. */
export const corpusFiles = (folder: string): string[] => readdirSync(corpusPath(folder)).sort();
