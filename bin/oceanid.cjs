#!/usr/bin/env node
// The CLI is src/cli/main.ts, run from an esbuild bundle kept fresh by bin/cli-bundle.cjs (which
// explains when and why), or from source through tsx's CommonJS loader for `oceanid plan`: the
// same transpile-only, CommonJS semantics `pulumi up` gets from ts-node with tsconfig.pulumi.json.
require("./cli-bundle.cjs")
  .loadCli(process.argv)
  .then((cli) => cli.main(process.argv))
  .catch((err) => {
    process.stderr.write(`oceanid: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  });
