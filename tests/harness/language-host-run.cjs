// Loads index.ts the way `pulumi up` does: the SDK's vendored ts-node with the project's
// TypeScript and the tsconfig named by Pulumi.yaml (runtime.options.tsconfig), then runs it
// under the mock engine. Prints {transpileOnly, module, resources} as JSON, resources as the
// mock engine recorded them (the same records `oceanid plan --json` prints).
"use strict";
const path = require("node:path");
const YAML = require("yaml");
const fs = require("node:fs");

const root = path.resolve(__dirname, "..", "..");
process.chdir(root);
const project = YAML.parse(fs.readFileSync("Pulumi.yaml", "utf8"));
const tsconfig = project.runtime.options.tsconfig;
const tsutils = require("@pulumi/pulumi/tsutils");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsconfig);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
// The same decision run.js makes: PULUMI_NODEJS_TRANSPILE_ONLY unset → compilerOptions.noCheck.
const transpileOnly = compilerOptions.noCheck;
require(tsnodeRequire).register({ compiler: typescriptRequire, transpileOnly, project: tsconfig, skipProject: false, compilerOptions: {} });

const { runUnderMocks } = require("../../src/plan/mockRuntime.ts");
const { resolveStackConfig } = require("../../src/plan/stackConfig.ts");
const raw = resolveStackConfig({ root, stack: process.argv[2] || "prod" });
runUnderMocks({ project: raw.project, stack: raw.stack, config: raw.values, secretKeys: raw.secretKeys }, () => require(path.join(root, project.main))).then(
  (run) => process.stdout.write(JSON.stringify({ transpileOnly, module: compilerOptions.module, resources: run.resources })),
  (err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err));
    process.exit(1);
  },
);
