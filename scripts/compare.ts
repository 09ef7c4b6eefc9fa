// npm run compare -- <a.json> <b.json> [--fail-on <expr>...] [--json] (docs/report.md#compare)
import { runCommand } from './cli/runCommand.ts';
import { compareCommand } from './report/compareCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(compareCommand().name('npm run compare --'), process.argv);
exitWhenDone();
