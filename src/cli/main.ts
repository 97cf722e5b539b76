import { Command, CommanderError } from "commander";
import { registerPlanCommand } from "../plan/command";
import { registerSchemaCommand } from "../plan/schemaCommand";
import { registerMigrateCommand } from "../migrations/command";
import { registerFirewallCommand } from "../crunchyBridge/command";
import { registerSmokeCommand } from "../smoke/command";
import { registerProvisionCommand } from "../labelStudioStorage/command";
import { registerPolicyCommand } from "../policy/command";

/** Errors a command raises for bad input: printed as-is, exit status 1, no stack trace. */
export class UsageError extends Error {}

export function buildProgram(): Command {
  const program = new Command("oceanid")
    .description("Operate the Oceanid cluster stack: offline plan, migrations, firewall, storage provisioning")
    .showHelpAfterError()
    .exitOverride();
  registerPlanCommand(program);
  registerSchemaCommand(program);
  registerMigrateCommand(program);
  registerFirewallCommand(program);
  registerSmokeCommand(program);
  registerProvisionCommand(program);
  registerPolicyCommand(program);
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
    const message = err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`oceanid: ${message}\n`);
    process.exitCode = 1;
  }
}
