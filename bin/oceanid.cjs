#!/usr/bin/env node
// The CLI is src/cli/main.ts (with the Pulumi program, for `oceanid plan`), run from an esbuild
// bundle kept fresh by bin/cli-bundle.cjs, which explains when and why.
"use strict";
require("./cli-bundle.cjs")
  .loadCli(process.argv[2])
  .then((cli) => cli.main(process.argv))
  .catch((/** @type {unknown} */ err) => {
    // main() reports every failure of a command itself; reaching here means the CLI failed to load.
    const trace = err instanceof Error ? (err.stack ?? String(err)) : String(err);
    process.stderr.write(`oceanid: unexpected error (this is a bug in oceanid, please report it with the trace below)\n${trace}\n`);
    process.exitCode = 1;
  });
