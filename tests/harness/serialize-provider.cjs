// Serializes a dynamic provider exactly as the stack hands it to `pulumi.dynamic.Resource`
// (bundledProvider, src/dynamicProviders/bundled.ts) and as the SDK serializes it
// (`serializeFunction(() => provider, { allowSecrets: true })`), in a CommonJS process that
// transpiles TypeScript like `pulumi up` does. Prints {text, containsSecrets} as JSON.
"use strict";
require("tsx/cjs");
const path = require("node:path");
const [modulePath, exportName] = process.argv.slice(2);
const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");

(async () => {
  const { bundledProvider } = require("../../src/dynamicProviders/bundled.ts");
  const sourceFile = path.resolve(modulePath);
  const implementation = require(sourceFile)[exportName];
  if (!implementation) throw new Error(`${modulePath} does not export ${exportName}`);
  const provider = bundledProvider(implementation, sourceFile, exportName);
  const result = await serializeFunction(() => provider, { allowSecrets: true });
  process.stdout.write(JSON.stringify({ text: result.text, containsSecrets: result.containsSecrets }));
})().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
