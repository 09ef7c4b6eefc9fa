// `npm run bench` (scripts/bench/benchCommand.ts; the same command as `apiserver-lb bench`).
import { benchCommand } from './bench/benchCommand.ts';
import { runCommand } from './cli/runCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(benchCommand().name('npm run bench --'), process.argv);
exitWhenDone();
