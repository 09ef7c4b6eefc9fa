// npm run binaries [-- fetch|check|path|list|sync ...]: the real upstream components (docs/binaries.md).
import { binariesCommand, commanderExitCode } from './binaries/command.ts';

let code = 0;
try {
  await binariesCommand((c) => (code = c))
    .name('npm run binaries --')
    .parseAsync(process.argv);
} catch (error) {
  const mapped = commanderExitCode(error);
  if (mapped === undefined) throw error;
  code = mapped;
}
process.exitCode = code;
