// npm run report -- <results.json> [--out file.html] (docs/report.md)
import { runCommand } from './cli/runCommand.ts';
import { reportCommand } from './report/reportCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(reportCommand().name('npm run report --'), process.argv);
exitWhenDone();
