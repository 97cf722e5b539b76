// Serializes a dynamic provider exactly as `pulumi.dynamic.Resource` does
// (`serializeFunction(() => provider, { allowSecrets: true })`), in a CommonJS process
// that transpiles TypeScript like `pulumi up` does. Prints {text, containsSecrets} as JSON.
"use strict";
require("tsx/cjs");
const path = require("node:path");
const [modulePath, exportName] = process.argv.slice(2);
const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");

(async () => {
  const mod = require(path.resolve(modulePath));
  const provider = mod[exportName];
  if (!provider) throw new Error(`${modulePath} does not export ${exportName}`);
  const result = await serializeFunction(() => provider, { allowSecrets: true });
  process.stdout.write(JSON.stringify({ text: result.text, containsSecrets: result.containsSecrets }));
})().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
