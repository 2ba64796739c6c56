/**
 * Progress for slow steps, on stderr only so stdout stays clean for -o json. A spinner when stderr is
 * a terminal; silent otherwise (pipes, CI, tests), so nothing has to be stripped from logs.
 */
import { silentProgress, type Progress } from '../util/progress.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

/**
 * A spinner on `stream` when it is a TTY, else the silent progress. It shows only once the work has
 * taken `delayMs` (quick runs print nothing), and clears its line when done.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, delayMs = 1000): Progress {
  if (!stream.isTTY) return silentProgress;
  let text = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let startedAt: number | undefined;
  let drawn = false;
  const draw = (): void => {
    if (Date.now() - (startedAt ?? 0) < delayMs) return;
    drawn = true;
    stream.write(`\r\x1b[2K${FRAMES[frame % FRAMES.length]} ${text}`);
    frame++;
  };
  return {
    update(next) {
      text = next;
      startedAt ??= Date.now();
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
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
