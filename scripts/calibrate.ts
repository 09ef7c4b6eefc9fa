// npm run calibrate -- [scenario ...] [options]: the simulator against the real components (docs/fidelity.md).
import { calibrateCommand } from './calibrate/calibrateCommand.ts';
import { runCommand } from './cli/runCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(calibrateCommand().name('npm run calibrate --'), process.argv);
exitWhenDone();
