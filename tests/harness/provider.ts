import { execFileSync } from "node:child_process";
import * as path from "node:path";
import requireFromString from "require-from-string";
import type * as pulumi from "@pulumi/pulumi";

const repoRoot = path.resolve(__dirname, "..", "..");

export interface SerializedProvider<P extends pulumi.dynamic.ResourceProvider> {
  /** The closure text the engine stores in state as `__provider`. */
  text: string;
  containsSecrets: boolean;
  /** A fresh provider loaded back from `text`, as the engine's provider host does. */
  load(): P;
}

/**
 * Goes through the path the Pulumi engine uses: serializeFunction in a separate CommonJS
 * process, then require-from-string and `.handler()` in this one. Nothing of the test's own
 * module graph leaks into the loaded provider.
 */
export function serializeProvider<P extends pulumi.dynamic.ResourceProvider>(
  modulePath: string,
  exportName: string,
): SerializedProvider<P> {
  const out = execFileSync(process.execPath, [path.join(__dirname, "serialize-provider.cjs"), path.resolve(repoRoot, modulePath), exportName], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const { text, containsSecrets } = JSON.parse(out) as { text: string; containsSecrets: boolean };
  return {
    text,
    containsSecrets,
    load: () => (requireFromString(text, path.join(repoRoot, "__provider.js")) as { handler: () => P }).handler(),
  };
}
