import * as path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..", "..");
// Type-aware linting starts a TypeScript project service: slow once, so one instance for the file.
const eslint = new ESLint({ cwd: root });

/** Lints `code` with the project's eslint.config.mjs as if it were this existing test file. */
async function lint(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, "tests/harness/lint.test.ts") });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const header = `import * as pulumi from "@pulumi/pulumi";\nimport { expect, it } from "vitest";\nconst output = pulumi.output(1);\n`;

describe("the lint rule for assertions on Outputs", () => {
  it("flags an expect() inside Output.apply, which no test awaits", async () => {
    const planted = `${header}it("passes whatever the value", () => {\n  output.apply((v) => {\n    expect(v).toBe(2);\n  });\n});\n`;
    expect(await lint(planted)).toEqual([expect.stringMatching(/^no-restricted-syntax: expect\(\) inside Output\.apply is never awaited/)]);
    const viaAll = `${header}it("x", () => {\n  pulumi.all([output]).apply(([v]) => expect(v).toBe(2));\n});\n`;
    expect(await lint(viaAll)).toEqual([expect.stringMatching(/^no-restricted-syntax:/)]);
  }, 240_000);

  it("accepts the awaited form: unwrap, then assert", async () => {
    const awaited = `${header}it("checks the value", async () => {\n  const v = await new Promise((resolve) => output.apply(resolve));\n  expect(v).toBe(1);\n});\n`;
    expect(await lint(awaited)).toEqual([]);
  }, 240_000);
});
