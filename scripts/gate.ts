// npm run gate -- [scenario...] [options]
import { gateCommand } from './cli/gateCommand.ts';
import { runCommand } from './cli/runCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(gateCommand().name('npm run gate --'), process.argv);
exitWhenDone();
