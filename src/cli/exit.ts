/**
 * Ending the process without losing output. On Linux, stdout and stderr on a pipe are asynchronous:
 * `process.exit` drops whatever the reader has not taken yet (a JSON report cut at 64 KiB when it is
 * piped to a slow `jq` and the command exits 3). So the exit code is decided first, then both streams
 * are flushed, however long the reader takes, and only then does the process end.
 */

/** Resolves once everything written to `stream` so far has reached its file descriptor. */
function drained(stream: NodeJS.WritableStream & { writableLength?: number; destroyed?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    // Writes complete in order, so an empty write's callback runs after every earlier chunk is out.
    // An error (EPIPE: the reader went away) also ends the wait: nobody is left to read.
    stream.write('', () => resolve());
  });
}

/** Flushes stdout and stderr, then ends the process with `code`. */
export async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
