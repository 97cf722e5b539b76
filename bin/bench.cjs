#!/usr/bin/env node
// Runs the benchmarks under bench/ (TypeScript via tsx): `npm run bench -- plan typecheck`.
require("tsx/cjs/api").register();
const path = require("node:path");
const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : ["plan", "cliStart", "typecheck"]) {
  require(path.join(__dirname, "..", "bench", `${name}.ts`));
}
