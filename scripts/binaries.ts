// npm run binaries [-- fetch|check|path|list|sync ...]: the real upstream components (docs/binaries.md).
import { binariesCommand } from './binaries/command.ts';
import { runCommand } from './cli/runCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(binariesCommand().name('npm run binaries --'), process.argv);
exitWhenDone();
