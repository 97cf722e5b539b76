import { Command, CommanderError } from "commander";

/** Errors a command raises for bad input: printed as-is, exit status 1, no stack trace. */
export class UsageError extends Error {}

export function buildProgram(): Command {
  const program = new Command("oceanid")
    .description("Operate the Oceanid cluster stack: offline plan, migrations, firewall, storage provisioning")
    .showHelpAfterError()
    .exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`oceanid: ${err instanceof Error && err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
