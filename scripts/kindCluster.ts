// npm run cluster:up | cluster:down [-- options]: the kind cluster of the kind target (docs/kind.md).
import { kindClusterCommand } from './targets/kind/clusterCommand.ts';

await kindClusterCommand().name('npm run cluster:up|cluster:down --').parseAsync(process.argv);
