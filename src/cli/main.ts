import { Command, CommanderError } from "commander";
import { registerPlanCommand } from "../plan/command";
import { registerSchemaCommand } from "../plan/schemaCommand";
import { registerMigrateCommand } from "../migrations/command";
import { registerFirewallCommand } from "../crunchyBridge/command";
import { registerSmokeCommand } from "../smoke/command";
import { registerProvisionCommand } from "../labelStudioStorage/command";
import { registerPolicyCommand } from "../policy/command";
import { UsageError } from "./errors";

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
