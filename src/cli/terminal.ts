/**
 * How wide the report may be: the terminal's columns when stdout is one, else $COLUMNS when set (a
 * shell exports it, tests set it), else no limit: a pipe or a file gets whole lines, as from kubectl.
 */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (stream.isTTY && stream.columns) return stream.columns;
  const cols = Number(env.COLUMNS);
  return Number.isInteger(cols) && cols > 0 ? cols : undefined;
}
