// `apiserver-lb <command>`: every command of the project under one binary with --help everywhere (README.md#commands);
// each npm script starts the same command through its own two-line entry (scripts/<command>.ts, runCommand then
// exitWhenDone). Flag problems exit 2 with one line, as in every command (scripts/cli/runCommand.ts). The webhook's
// command line is webhook/cli.ts's (webhook/ stands alone, its image runs that file); here it is one more command.
import { Command } from 'commander';
import { compareCommand } from '../report/compareCommand.ts';
import { reportCommand } from '../report/reportCommand.ts';
import { gateCommand } from './gateCommand.ts';
import { scenarioCommand } from './scenarioCommand.ts';
import { runCommand } from './runCommand.ts';
import { simCommand } from './simCommand.ts';
import { binariesCommand } from '../binaries/command.ts';
import { calibrateCommand } from '../calibrate/calibrateCommand.ts';
import { kindClusterCommand } from '../targets/kind/clusterCommand.ts';
import { benchCommand } from '../bench/benchCommand.ts';
import { buildProgram as webhookCommand } from '../../webhook/cli.ts';
import { exitWhenDone } from '../runner/interrupts.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('apiserver-lb')
    .description('local L7 load-balancing simulator and testbed for kube-apiservers')
    .addCommand(scenarioCommand())
    .addCommand(gateCommand())
    .addCommand(reportCommand())
    .addCommand(compareCommand())
    .addCommand(simCommand())
    .addCommand(binariesCommand())
    .addCommand(calibrateCommand())
    .addCommand(kindClusterCommand().name('cluster'))
    .addCommand(benchCommand())
    .addCommand(webhookCommand());
  await runCommand(program, argv);
  exitWhenDone();
}
