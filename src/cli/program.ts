import { Command, CommanderError } from "commander";
import { UsageError } from "./errors";

/** Adds one command (or a group of them) to the program: each src/<area>/command.ts exports one. */
export type RegisterCommands = (program: Command) => void;

export function createProgram(registers: readonly RegisterCommands[]): Command {
  const program = new Command("oceanid")
    .description("Operate the Oceanid cluster stack: offline plan, migrations, firewall, storage provisioning")
    .showHelpAfterError()
    .exitOverride();
  for (const register of registers) register(program);
  return program;
}

/**
 * Runs a program of these commands on argv: src/cli/main.ts with all of them, and each command's
 * own bundle (bin/cli-bundle.cjs) with the one it serves.
 */
export async function runCommands(registers: readonly RegisterCommands[], argv: string[]): Promise<void> {
  const program = createProgram(registers);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(describeFailure(err));
    process.exitCode = 1;
  }
}

/** Turns positions in a stack trace into source positions (set by bin/cli-bundle.cjs for the bundle). */
let mapStack = (stack: string): string => stack;

export function useStackMapper(mapper: (stack: string) => string): void {
  mapStack = mapper;
}

/**
 * What the operator sees when a command fails: a usage error is one line that says what to fix;
 * anything else is our bug, so it comes with its stack trace and a request to report it.
 */
export function describeFailure(err: unknown): string {
  if (err instanceof UsageError) return `oceanid: ${err.message}\n`;
  const trace = err instanceof Error ? mapStack(err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return `oceanid: unexpected error (this is a bug in oceanid, please report it with the trace below)\n${trace}\n`;
}
