#!/usr/bin/env node
// The CLI is TypeScript run through tsx's CommonJS loader: the same transpile-only,
// CommonJS semantics `pulumi up` gets from ts-node with tsconfig.pulumi.json.
require("tsx/cjs");
require("../src/cli/main.ts").main(process.argv);
