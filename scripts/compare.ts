// npm run compare -- <a.json> <b.json> [--fail-on <expr>...] [--json] (docs/report.md#compare)
import { compareCommand } from './report/compareCommand.ts';
import { runCli } from './report/cliExit.ts';

await runCli(compareCommand().name('npm run compare --'), process.argv);
