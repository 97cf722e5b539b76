import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type PlanJson } from "../harness/cli";
import { mutated, realPlan } from "./realPlans";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ALLOWLIST = "pulumi-nodejs:dynamic/crunchybridge:FirewallAllowlist";

let dir: string;
let prod: PlanJson;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-policy-"));
  prod = await realPlan("prod");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function save(name: string, plan: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof plan === "string" ? plan : JSON.stringify(plan, null, 2));
  return file;
}

const errorLines = (stdout: string) => stdout.split("\n").filter((line) => line.startsWith("error: "));

describe("oceanid plan --policy", () => {
  it.each(["prod", "staging"])("passes for %s, with the advisory findings on stderr and the plan untouched on stdout", async (stack) => {
    const result = await runCli(["plan", "--stack", stack, "--json", "--policy"]);
    expect(result.stderr).toContain("policy: 0 mandatory violation(s)");
    expect(result.stderr).toMatch(/^advisory: kubernetes:apps\/v1:Deployment egress-gateway: \[image-digest\] .+ Fix: /m);
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as PlanJson).stack).toBe(stack);
  });

  it("fails a program that adds a Deployment with an image :latest, naming it", async () => {
    const result = await runCli(["plan", "--stack", "prod", "--full", "--policy", "--program", "tests/policy/fixtures/latest-image-program.ts"]);
    expect(result.status).toBe(1);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^error: kubernetes:apps\/v1:Deployment debug-shell: \[image-pinned\] container shell of debug-shell uses image busybox:latest.+ Fix: /)]);
    expect(result.stdout).toContain("+ kubernetes:apps/v1:Deployment debug-shell");
  });
});

describe("oceanid policy check", () => {
  it("passes the saved real plan (exit 0, advisory findings printed)", async () => {
    const result = await runCli(["policy", "check", save("prod.json", prod)]);
    expect(result.stdout).toContain("policy: 0 mandatory violation(s)");
    expect(result.stdout).toContain("advisory: ");
    expect(result.status).toBe(0);
  });

  it.each([
    {
      what: "postgresql.enabled: true",
      plan: () => mutated(prod, RELEASE, "label-studio", (i) => (i.values.postgresql.enabled = true)),
      line: /^error: kubernetes:helm\.sh\/v3:Release label-studio: \[label-studio-external-database\] postgresql\.enabled is true .+\. Fix: set values\.postgresql\.enabled: false/,
    },
    {
      what: "an image :latest",
      plan: () => mutated(prod, "kubernetes:apps/v1:Deployment", "egress-db-proxy", (i) => (i.spec.template.spec.containers[0].image = "jnovack/autossh:latest")),
      line: /^error: kubernetes:apps\/v1:Deployment egress-db-proxy: \[image-pinned\] container ssh-tunnel of egress-db-proxy uses image jnovack\/autossh:latest.+ Fix: pin a released tag/,
    },
    {
      what: "0.0.0.0/0 in the allowlist",
      plan: () => mutated(prod, ALLOWLIST, "crunchybridge-allowlist", (i) => i.rules.push({ cidr: "0.0.0.0/0", description: "debugging" })),
      line: /^error: pulumi-nodejs:dynamic\/crunchybridge:FirewallAllowlist crunchybridge-allowlist: \[crunchybridge-allowlist\] rule 0\.0\.0\.0\/0 admits every address.+ Fix: remove the rule/,
    },
  ])("fails a saved plan edited to break a policy: $what", async ({ what, plan, line }) => {
    const result = await runCli(["policy", "check", save(`${what.replace(/\W+/g, "-")}.json`, plan())]);
    expect(result.status).toBe(1);
    expect(errorLines(result.stdout)).toEqual([expect.stringMatching(line)]);
    expect(result.stdout).toContain("policy: 1 mandatory violation(s)");
  });

  it("checks the egress IP against the config of the stack the plan names, or of --stack", async () => {
    const foreign = mutated(prod, ALLOWLIST, "crunchybridge-allowlist", (i) => (i.rules = [{ cidr: "198.51.100.7/32", description: "old node" }]));
    const result = await runCli(["policy", "check", save("foreign-ip.json", foreign)]);
    expect(result.status).toBe(1);
    expect(errorLines(result.stdout).join("\n")).toMatch(/\[crunchybridge-allowlist\] the rules \(198\.51\.100\.7\/32\) do not include the egress IP \d+\.\d+\.\d+\.\d+\/32/);
    const unknownStack = await runCli(["policy", "check", save("prod-again.json", prod), "--stack", "nonexistent"]);
    expect(unknownStack.status).toBe(1);
    expect(unknownStack.stderr).toContain("Pulumi.nonexistent.yaml not found");
  });

  it("refuses a plan printed with --show-secrets, whose secret checks would all pass or all fail", async () => {
    const revealed = JSON.stringify(prod).replaceAll('"[secret]"', '"revealed"');
    const result = await runCli(["policy", "check", save("revealed.json", revealed)]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^oceanid: the plan holds no \[secret\] values: it was printed with --show-secrets/);
  });

  it.each([
    { what: "a missing file", file: () => path.join(dir, "absent.json"), says: /^oceanid: cannot read .*absent\.json/ },
    { what: "text that is not JSON", file: () => save("text.json", "Stack prod: 34 resources"), says: /^oceanid: .*text\.json is not JSON .*oceanid plan --json/ },
    { what: "JSON that is not a plan", file: () => save("other.json", { resources: [{ type: "x" }], stack: "prod" }), says: /^oceanid: .*other\.json is not an `oceanid plan --json` plan: resources\[0\] lacks type, name or inputs/ },
  ])("names the file and the problem for $what", async ({ file, says }) => {
    const result = await runCli(["policy", "check", file()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(says);
    expect(result.stdout).toBe("");
  });
});
