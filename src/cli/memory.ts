/**
 * Process-level memory tuning for commands that read very long lists (cidr on 150,000 pods).
 */
import v8 from 'node:v8';

/**
 * V8 lets the young generation grow to ~130 MB on machines with much memory; while a big cluster is
 * read (150,000 pods), that alone would be a third of the process. Kept at its initial size, peak RSS
 * drops ~110 MB for 0.1–0.4 s more GC (bench/README.md). Not for parse-heavy
 * commands (trace on a big ruleset), where the extra GC costs more than the memory is worth; hence a
 * runtime flag set by the command rather than a Node option for every command. Unknown to another V8,
 * it does nothing.
 */
export function keepYoungGenerationSmall(): void {
  try {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
  } catch {
    // Not fatal: only memory use is at stake.
  }
}
