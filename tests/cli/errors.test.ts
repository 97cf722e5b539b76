import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot, runCli } from "../harness/cli";

// What the operator sees when a command fails, through the real bin/oceanid.cjs: a user error is
// one message saying what to fix, never a stack trace; only our own bugs print a trace.

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-errors-"));
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));

const STACK_FRAME = /^\s+at /m;
const BUG = "this is a bug in oceanid, please report it";

describe("user errors print one message and no stack trace", () => {
  const brokenYaml = path.join(temporary, "broken.yaml");
  fs.writeFileSync(brokenYaml, "values: [\n");

  it.each([
    ["plan outside the checkout", ["plan"], { cwd: temporary }, /^oceanid: no Pulumi\.yaml in .* or any folder above it: run oceanid inside the oceanid-cluster checkout\n$/],
    ["schema outside the checkout", ["schema", "--check"], { cwd: temporary }, /^oceanid: no Pulumi\.yaml in /],
    ["an unknown stack", ["plan", "--stack", "qa"], {}, /^oceanid: Pulumi\.qa\.yaml not found; known stacks: prod, staging/],
    ["an ESC file that is not YAML", ["plan", "--esc-file", brokenYaml], {}, /broken\.yaml: not valid YAML/],
    ["a missing ESC file", ["plan", "--esc-file", path.join(temporary, "missing.yaml")], {}, /missing\.yaml: environment definition not found/],
    ["a diff base that is neither a file nor a commit", ["plan", "--diff-base", "no-such-branch"], {}, /--diff-base no-such-branch: neither a saved plan file nor a commit/],
    ["migrate without a database", ["migrate"], { env: { DATABASE_URL: "" } }, /^oceanid: No database: pass --database-url or set DATABASE_URL/],
    ["firewall without an API key", ["firewall", "--network", "exampleexampleexampleexama"], { env: { CRUNCHY_BRIDGE_API_KEY: "" } }, /CRUNCHY_BRIDGE_API_KEY is not set/],
  ] as const)("%s", async (_name, args, options, message) => {
    const result = await runCli([...args], options);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr).not.toContain(BUG);
  });
});

describe("oceanid plan from a subfolder", () => {
  it("finds the project root above the working directory, as git finds its repository", async () => {
    const result = await runCli(["plan", "--stack", "prod"], { cwd: path.join(repoRoot, "src", "plan") });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Stack prod: 34 resources/);
  });
});

describe("an unexpected error", () => {
  it("prints its stack trace once and says it is a bug", async () => {
    const program = path.join(temporary, "throws.ts");
    fs.writeFileSync(program, 'throw new TypeError("boom from the program");\n');
    const result = await runCli(["plan", "--program", program]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^oceanid: unexpected error \\(${BUG} with the trace below\\)\\nTypeError: boom from the program\\n\\s+at .*throws\\.ts:1:`));
    expect(result.stderr.match(/boom from the program/g)).toHaveLength(1);
  });
});
