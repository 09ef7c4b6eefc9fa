// npm run sim -- [options]
import { simCommand } from './cli/simCommand.ts';

await simCommand().name('npm run sim --').parseAsync(process.argv);
