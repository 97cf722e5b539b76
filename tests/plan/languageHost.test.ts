import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planJson } from "../harness/cli";

describe("the program as `pulumi up` loads it", () => {
  it("compiles transpile-only to CommonJS through the SDK's ts-node and registers the same resources as the plan", async () => {
    const out = execFileSync(process.execPath, [path.join(__dirname, "..", "harness", "language-host-run.cjs"), "prod"], { encoding: "utf8" });
    const run = JSON.parse(out) as { transpileOnly: boolean; module: string; resources: number };
    expect(run.transpileOnly).toBe(true);
    expect(run.module.toLowerCase()).toBe("commonjs");
    expect(run.resources).toBe((await planJson(["--stack", "prod"])).resources.length);
  });
});
