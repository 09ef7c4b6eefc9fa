// npm run scenario -- <name> [options]
import { runCommand } from './cli/runCommand.ts';
import { scenarioCommand } from './cli/scenarioCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(scenarioCommand().name('npm run scenario --'), process.argv);
exitWhenDone();
