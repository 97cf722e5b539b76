import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../cli/errors";

/**
 * The directory holding Pulumi.yaml: `start` or its nearest ancestor that has one, as git finds
 * its repository from any subfolder.
 */
export function findProjectRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) {
      throw new UsageError(`no Pulumi.yaml in ${path.resolve(start)} or any folder above it: run oceanid inside the oceanid-cluster checkout`);
    }
  }
}
