import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, runCli } from "../harness/cli";

describe("oceanid schema", () => {
  it("finds a stale config: block, rewrites it keeping comments and pulumi:* keys, then finds it current", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-schema-"));
    const original = fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), original.replace(/(  hfDatasetRepo:\n    type: string\n    description: )[^\n]+/, "$1stale words"));

    const stale = await runCli(["schema", "--check"], { cwd: dir });
    expect([stale.status, stale.stderr]).toEqual([1, "oceanid: Pulumi.yaml's config: block is out of date; run `oceanid schema`\n"]);
    expect((await runCli(["schema"], { cwd: dir })).stdout).toBe("Pulumi.yaml rewritten\n");
    expect(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).toBe(original);
    expect((await runCli(["schema", "--check"], { cwd: dir })).status).toBe(0);
  });
});
