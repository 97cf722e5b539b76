import type { Command } from "commander";
import { UsageError } from "../cli/errors";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerPlanCommand(program: Command): void {
  program
    .command("plan")
    .description("Offline plan: resolve the stack's ESC config and print the resources a preview would register (no cloud, no Pulumi CLI)")
    .option("--stack <name>", "stack whose Pulumi.<stack>.yaml to plan", "prod")
    .option("--env-file <file>", "ESC definition (YAML) or `esc env open --format json` output to use instead of the stack's imports (repeatable, later wins)", collect, [])
    .option("--program <file>", "program entry point, relative to the repository root", "index.ts")
    .option("--json", "print { stack, resources: [{ type, name, parent, inputs }], outputs }")
    .option("--show-secrets", "print secret values instead of [secret] (never in CI logs)")
    .action(async (options: { stack: string; envFile: string[]; program: string; json?: boolean; showSecrets?: boolean }) => {
      // Required lazily so other subcommands do not pay for loading the Pulumi SDK.
      const { runPlan, formatPlan } = require("./plan") as typeof import("./plan");
      const { ConfigError } = require("../config") as typeof import("../config");
      const { EscError } = require("./esc") as typeof import("./esc");
      // A program whose promises never settle lets Node exit 0 with nothing printed; make that a failure.
      let finished = false;
      process.once("beforeExit", () => {
        if (finished) return;
        process.stderr.write("oceanid: the program never finished: an output or resource never resolved (nothing was printed)\n");
        process.exitCode = 1;
      });
      try {
        const plan = await runPlan({ root: process.cwd(), stack: options.stack, envFiles: options.envFile, program: options.program, showSecrets: options.showSecrets });
        process.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatPlan(plan)}\n`);
        finished = true;
      } catch (err) {
        finished = true;
        if (err instanceof ConfigError || err instanceof EscError) throw new UsageError(err.message);
        throw err;
      }
    });
}
