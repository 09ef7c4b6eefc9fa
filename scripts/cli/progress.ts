// Progress to stderr: one rewriting status line on a TTY, timestamped plain lines otherwise (CI logs).
export interface Progress {
  update(message: string): void;
  done(): void;
}

export function createProgress(quiet = false): Progress {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let last = '';
  return {
    update(message) {
      if (quiet) return;
      const elapsed = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
      if (tty) {
        const line = `[${elapsed}s] ${message}`.slice(0, (process.stderr.columns ?? 100) - 1);
        process.stderr.write(`\r\x1b[2K${line}`);
        last = line;
      } else {
        process.stderr.write(`[${elapsed}s] ${message}\n`);
      }
    },
    done() {
      if (tty && last) process.stderr.write('\r\x1b[2K');
      last = '';
    },
  };
}
