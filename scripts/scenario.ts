// npm run scenario -- <name> [options]
import { scenarioCommand } from './cli/scenarioCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await scenarioCommand().name('npm run scenario --').parseAsync(process.argv);
exitWhenDone();
