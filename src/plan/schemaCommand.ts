import * as path from "node:path";
import type { Command } from "commander";
import { findProjectRoot } from "./projectRoot";

export function registerSchemaCommand(program: Command): void {
  program
    .command("schema")
    .description("Rewrite the config: block of Pulumi.yaml from the key table in src/config.ts (comments and pulumi:* keys kept)")
    .option("--check", "only report whether Pulumi.yaml is up to date (exit 1 if not)")
    .action((options: { check?: boolean }) => {
      // Required lazily: the schema pulls zod and the config module.
      const fs = require("node:fs") as typeof import("node:fs");
      const YAML = require("yaml") as typeof import("yaml");
      const { projectConfigSchema } = require("./projectSchema") as typeof import("./projectSchema");
      const file = path.join(findProjectRoot(process.cwd()), "Pulumi.yaml");
      const before = fs.readFileSync(file, "utf8");
      const doc = YAML.parseDocument(before);
      const config = doc.get("config") as InstanceType<typeof YAML.YAMLMap>;
      for (const item of [...config.items]) {
        const key = String((item.key as InstanceType<typeof YAML.Scalar>).value);
        if (!key.startsWith("pulumi:")) config.delete(key);
      }
      for (const [key, entry] of Object.entries(projectConfigSchema())) config.set(key, entry);
      const after = doc.toString({ lineWidth: 0 });
      if (options.check) {
        if (after !== before) {
          process.stderr.write("oceanid: Pulumi.yaml's config: block is out of date; run `oceanid schema`\n");
          process.exitCode = 1;
        }
        return;
      }
      if (after !== before) fs.writeFileSync(file, after);
      process.stdout.write(after === before ? "Pulumi.yaml is up to date\n" : "Pulumi.yaml rewritten\n");
    });
}
