/** Progress lines on stderr, with the time since the command started: stdout is kept for the KUBECONFIG line. */
const started = Date.now();

export function progress(message: string): void {
  process.stderr.write(`[kube-lab ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}
