// How every command of the project runs its command line (README.md#exit-codes): a flag problem (an unknown option
// or command, a missing or invalid value, a missing or extra argument) prints ONE line on stderr that says what is
// wrong and what is allowed, and exits 2 (EXIT_BAD_INPUT: nothing was run); --help exits 0; an error nobody expected
// prints one line and exits 3 (DEBUG=1 adds the stack). Commander's own message says what is wrong (and, for a value,
// what the option's parser or `choices` allow); this adds what is allowed where commander does not say it: the
// command's options for an unknown option, its commands for an unknown or missing command, its usage for a missing
// or extra argument, the option's help for a missing value. Used by scenario, gate, sim, report, compare, bench,
// cluster:up/down and apiserver-lb; the webhook (webhook/cli.ts) stands alone and does the same on its own.
import { CommanderError, type Command, type Option } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_RUNTIME } from '../core/exitCodes.ts';

/** A command-line problem, already worded as the one line to print. */
export class UsageError extends Error {
  constructor(readonly line: string) {
    super(line);
    this.name = 'UsageError';
  }
}

export interface RunCommandOptions {
  /** Where the one-line messages go (default stderr). */
  writeError?: (line: string) => void;
}

/** Parses `argv` and runs the command; sets process.exitCode (2 for a flag problem, 3 for an unexpected error). */
export async function runCommand(command: Command, argv: string[], options: RunCommandOptions = {}): Promise<void> {
  const writeError = options.writeError ?? ((line: string) => process.stderr.write(`${line}\n`));
  prepare(command);
  try {
    await command.parseAsync(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      writeError(error.line);
      process.exitCode = EXIT_BAD_INPUT;
    } else if (carriesExitCode(error, EXIT_BAD_INPUT)) {
      // A command's own bad-input error (the webhook's UsageError): one line, exit 2.
      writeError(`${commandPath(command)}: error: ${(error as Error).message}`);
      process.exitCode = EXIT_BAD_INPUT;
    } else if (error instanceof CommanderError) {
      // --help and --version: their text went to stdout.
      process.exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    } else {
      writeError(`${command.name()}: unexpected error: ${(error as Error).message}`);
      if (process.env.DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
      process.exitCode = EXIT_RUNTIME;
    }
  }
}

/** An error that says which exit code it means (commander's errors do too; they are handled before). */
function carriesExitCode(error: unknown, code: number): boolean {
  return error instanceof Error && !(error instanceof CommanderError) && (error as { exitCode?: unknown }).exitCode === code;
}

/** Every command of the tree throws instead of exiting, and prints nothing itself on an error (we print one line). */
function prepare(command: Command): void {
  command.showHelpAfterError(false);
  command.configureOutput({ outputError: () => undefined, writeErr: () => undefined });
  command.exitOverride((error) => {
    if (error.exitCode === 0) throw error;
    throw new UsageError(usageLine(error, command));
  });
  for (const sub of command.commands) prepare(sub);
}

/** Commander's message on one line, with what is allowed added where it does not say so. */
export function usageLine(error: CommanderError, command: Command): string {
  const message = error.message.replace(/\s*\n\s*/g, ' ').trim();
  const where = commandPath(command);
  switch (error.code) {
    case 'commander.unknownOption':
      return `${where}: ${message}; options: ${optionNames(command).join(', ')} (--help explains each)`;
    case 'commander.unknownCommand':
      return `${where}: ${message}; commands: ${commandNames(command).join(', ')}`;
    case 'commander.help':
      // Shown as an error: a command that needs a subcommand got none.
      return `${where}: error: give a command: ${commandNames(command).join(', ')} (--help explains each)`;
    case 'commander.missingArgument':
    case 'commander.excessArguments':
      return `${where}: ${message} Usage: ${commandPath(command, true)} ${command.usage()}`;
    case 'commander.optionMissingArgument':
    case 'commander.missingMandatoryOptionValue': {
      const option = mentionedOption(message, command);
      return `${where}: ${message}${option ? ` (${option.flags}: ${option.description})` : ''}`;
    }
    default:
      return `${where}: ${message}`;
  }
}

/** `npm run scenario`, `apiserver-lb scenario`, `npm run cluster:up|cluster:down up` (without the npm ` --`). */
export function commandPath(command: Command, forUsage = false): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(forUsage ? c.name() : c.name().replace(/ --$/, ''));
  return names.join(' ');
}

function optionNames(command: Command): string[] {
  return [...command.options.filter((o) => !o.hidden).map((o) => o.long ?? o.short ?? o.flags), '--help'];
}

function commandNames(command: Command): string[] {
  return command.commands.map((c) => c.name());
}

function mentionedOption(message: string, command: Command): Option | undefined {
  return command.options.find((o) => (o.long && message.includes(`'${o.long}`)) || (o.short && message.includes(`'${o.short}`)));
}
