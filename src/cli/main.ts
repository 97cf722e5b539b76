import type { Command } from "commander";
import { registerPlanCommand } from "../plan/command";
import { registerSchemaCommand } from "../plan/schemaCommand";
import { registerMigrateCommand } from "../migrations/command";
import { registerFirewallCommand } from "../crunchyBridge/command";
import { registerSmokeCommand } from "../smoke/command";
import { registerProvisionCommand } from "../labelStudioStorage/command";
import { registerPolicyCommand } from "../policy/command";
import { createProgram, runCommands, type RegisterCommands } from "./program";

export { useStackMapper } from "./program";

/**
 * Every command, in the order help lists them. A command also runs from a bundle of its own,
 * listed in bin/cli-bundle.cjs (COMMAND_BUNDLES; tests/cli/bundle.test.ts keeps the two equal).
 */
const COMMANDS: readonly RegisterCommands[] = [
  registerPlanCommand,
  registerSchemaCommand,
  registerMigrateCommand,
  registerFirewallCommand,
  registerSmokeCommand,
  registerProvisionCommand,
  registerPolicyCommand,
];

export function buildProgram(): Command {
  return createProgram(COMMANDS);
}

export function main(argv: string[]): Promise<void> {
  return runCommands(COMMANDS, argv);
}
