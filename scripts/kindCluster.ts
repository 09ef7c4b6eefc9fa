// npm run cluster:up | cluster:down [-- options]: the kind cluster of the kind target (docs/kind.md).
import { runCommand } from './cli/runCommand.ts';
import { kindClusterCommand } from './targets/kind/clusterCommand.ts';
import { exitWhenDone } from './runner/interrupts.ts';

await runCommand(kindClusterCommand().name('npm run cluster:up|cluster:down --'), process.argv);
exitWhenDone();
