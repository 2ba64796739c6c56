/** How the I/O layers (cluster/, probe/) report a slow step; cli/progress.ts draws it on a terminal. */
export interface Progress {
  /** Shows what is being done now ("listing pods (3,000 so far)"). */
  update(text: string): void;
  /** Removes the spinner line. Safe to call twice. */
  done(): void;
}

export const silentProgress: Progress = { update: () => undefined, done: () => undefined };

