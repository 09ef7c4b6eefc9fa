// npm run report -- <results.json> [--out file.html] (docs/report.md)
import { reportCommand } from './report/reportCommand.ts';
import { runCli } from './report/cliExit.ts';

await runCli(reportCommand().name('npm run report --'), process.argv);
