/**
 * Progress for slow steps, on stderr only so stdout stays clean for -o json. A spinner when stderr is
 * a terminal; silent otherwise (pipes, CI, tests), so nothing has to be stripped from logs.
 */

/** What the cluster layer reports while it works. */
export interface Progress {
  /** Shows what is being done now ("listing pods (3,000 so far)"). */
  update(text: string): void;
  /** Removes the spinner line. Safe to call twice. */
  done(): void;
}

export const silentProgress: Progress = { update: () => undefined, done: () => undefined };

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

/** A spinner on `stream` when it is a TTY, else the silent progress. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  let text = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    stream.write(`\r\x1b[2K${FRAMES[frame % FRAMES.length]} ${text}`);
    frame++;
  };
  return {
    update(next) {
      text = next;
      if (!timer) {
        timer = setInterval(draw, FRAME_MS);
        timer.unref();
      }
      draw();
    },
    done() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      stream.write('\r\x1b[2K');
    },
  };
}
