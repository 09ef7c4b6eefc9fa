// npm run sim -- [options]
import { simCommand } from './cli/simCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await simCommand().name('npm run sim --').parseAsync(process.argv);
exitWhenDone();
