import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { EscError, evaluateEnvironmentFile, localEnvironments, SecretValue } from "../../src/plan/esc";

function environments(files: Record<string, string>) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-esc-"));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, "esc", "default", `${name}.yaml`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  const locate = localEnvironments(root);
  return (name: string) => evaluateEnvironmentFile(locate(name), locate);
}

describe("ESC evaluation", () => {
  it("merges imports in order, interpolates, and carries secret-ness through interpolation", () => {
    const open = environments({
      base: "values:\n  db: { host: h1, port: 5432 }\n  pulumiConfig: { a: base, b: base }\n",
      prod: [
        "imports: [base]",
        "values:",
        "  db: { host: h2 }",
        "  pw: { fn::secret: s3cret }",
        "  pulumiConfig:",
        "    b: prod",
        "    url: postgresql://u:${pw}@${db.host}:${db.port}/x",
        "    port: ${db.port}",
      ].join("\n"),
    });
    const values = open("prod") as { pulumiConfig: Record<string, unknown>; db: unknown };
    expect(values.db).toEqual({ host: "h2", port: 5432 });
    expect(values.pulumiConfig.a).toBe("base");
    expect(values.pulumiConfig.b).toBe("prod");
    expect(values.pulumiConfig.port).toBe(5432);
    expect(values.pulumiConfig.url).toEqual(new SecretValue("postgresql://u:s3cret@h2:5432/x"));
  });

  it.each([
    ["a self reference", "values:\n  a: ${b}\n  b: ${a}\n", /refers to itself/],
    ["a provider function", "values:\n  creds: { fn::open::aws-login: { oidc: {} } }\n", /fn::open::aws-login is evaluated by Pulumi ESC.*--esc-file/],
    ["invalid YAML", "values: [\n", /not valid YAML/],
  ])("rejects %s, naming the file", (_name, text, message) => {
    const open = environments({ env: text });
    expect(() => open("env")).toThrow(EscError);
    expect(() => open("env")).toThrow(message);
    expect(() => open("env")).toThrow(/esc\/default\/env\.yaml/);
  });

  it("keeps a reference that does not resolve as written, for the config check to report with every other problem", () => {
    const open = environments({ env: "values:\n  db: { host: h }\n  pulumiConfig: { a: '${nope.x}', b: 'postgresql://${db.host}/${db.nope}', c: { fn::secret: '${nope}' } }\n" });
    const values = open("env") as { pulumiConfig: Record<string, unknown> };
    expect(values.pulumiConfig).toEqual({ a: "${nope.x}", b: "postgresql://h/${db.nope}", c: new SecretValue("${nope}") });
  });

  it("rejects an import cycle and a missing import", () => {
    const cycle = environments({ a: "imports: [b]\nvalues: {}\n", b: "imports: [a]\nvalues: {}\n" });
    expect(() => cycle("a")).toThrow(/import cycle/);
    const missing = environments({ a: "imports: [ghost]\nvalues: {}\n" });
    expect(() => missing("a")).toThrow(/ghost\.yaml: environment definition not found/);
  });
});
