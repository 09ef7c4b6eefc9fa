// npm run scenario -- <name> [options]
import { scenarioCommand } from './cli/scenarioCommand.ts';

await scenarioCommand().name('npm run scenario --').parseAsync(process.argv);
