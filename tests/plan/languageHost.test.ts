import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planJson, type PlanJson } from "../harness/cli";

describe("the program as `pulumi up` loads it", () => {
  it("compiles transpile-only to CommonJS through the SDK's ts-node and registers the same resources as the plan", { timeout: 180_000 }, async () => {
    const out = execFileSync(process.execPath, [path.join(__dirname, "..", "harness", "language-host-run.cjs"), "prod"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const run = JSON.parse(out) as { transpileOnly: boolean; module: string; resources: PlanJson["resources"] };
    expect(run.transpileOnly).toBe(true);
    expect(run.module.toLowerCase()).toBe("commonjs");
    const plan = await planJson(["--stack", "prod"]);
    // Resource by resource: the same types, names, parents, providers and inputs, in the same order.
    expect(run.resources.map((r) => `${r.type} ${r.name}`)).toEqual(plan.resources.map((r) => `${r.type} ${r.name}`));
    // `__provider` is the serialized loader closure, whose text is whatever the compiler emitted
    // (ts-node here, tsx for the plan): that it is there is compared, not its digest.
    const comparable = (resources: PlanJson["resources"]) => JSON.parse(JSON.stringify(resources).replace(/\[dynamic provider sha256:[0-9a-f]+\]/g, "[dynamic provider]")) as unknown;
    expect(comparable(run.resources)).toEqual(comparable(plan.resources));
  });
});
