// Runs a commander command for the report and compare entry points: usage mistakes exit 2 (bad input) with
// commander's one-line message, --help exits 0, and an unexpected error prints one line and exits 3 instead of a
// stack trace (set DEBUG=1 for the trace).
import { CommanderError, type Command } from 'commander';

export async function runCli(command: Command, argv: string[]): Promise<void> {
  command.exitOverride().showHelpAfterError('(add --help for usage)');
  try {
    await command.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    console.error(`${command.name()}: unexpected error: ${(error as Error).message}`);
    if (process.env.DEBUG) console.error((error as Error).stack);
    process.exitCode = 3;
  }
}
