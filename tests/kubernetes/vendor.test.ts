import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/cli";

const vendorDir = path.join(repoRoot, "vendor");

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(vendorDir, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(relative) : [relative];
  });
}

describe("vendored upstream artifacts", () => {
  it("are byte for byte the files SHA256SUMS lists, no more and no fewer", () => {
    const listed = new Map(
      fs
        .readFileSync(path.join(vendorDir, "SHA256SUMS"), "utf8")
        .trim()
        .split("\n")
        .map((line) => {
          const [digest, file] = line.split(/ {2}/);
          return [file!, digest!];
        }),
    );
    const present = [...new Set([...listed.keys()].map((file) => file.split("/")[0]!))].flatMap(filesUnder);
    expect(present.sort()).toEqual([...listed.keys()].sort());
    const changed = [...listed].filter(([file, digest]) => createHash("sha256").update(fs.readFileSync(path.join(vendorDir, file))).digest("hex") !== digest);
    expect(changed.map(([file]) => file)).toEqual([]);
  });
});
