/**
 * Warnings for the person at the terminal while a live run goes on (the API server asked to wait, a
 * node could not be probed, a probe pod could not be deleted). They go to stderr, never stdout, so a
 * report piped into jq stays clean; tests pass their own sink.
 */
export type Warn = (message: string, hint?: string) => void;

export const stderrWarn: Warn = (message, hint) => {
  // A spinner may be drawing on this line: clear it first so the warning starts at column 0.
  const clear = process.stderr.isTTY ? '\r\x1b[2K' : '';
  process.stderr.write(`${clear}warning: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
};
