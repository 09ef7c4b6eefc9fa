// npm run gate -- [scenario...] [options]
import { gateCommand } from './cli/gateCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await gateCommand().name('npm run gate --').parseAsync(process.argv);
exitWhenDone();
