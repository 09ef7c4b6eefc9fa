// npm run sim -- [options]
import { runCommand } from './cli/runCommand.ts';
import { simCommand } from './cli/simCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(simCommand().name('npm run sim --'), process.argv);
exitWhenDone();
