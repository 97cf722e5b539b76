import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { resolveStackConfig } from "../../src/plan/stackConfig";
import { OPENED_ENVIRONMENTS } from "../harness/cli";

const root = path.resolve(__dirname, "..", "..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-stackconfig-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("resolveStackConfig applies the project's config the way the engine does", () => {
  it("fills every key the stack leaves unset from Pulumi.yaml: value, else default, in plain text", () => {
    const dir = project({
      "Pulumi.yaml": [
        "name: demo",
        "runtime: nodejs",
        "config:",
        "  pulumi:disable-default-providers:",
        "    value: ['*']",
        "  greeting:",
        "    type: string",
        "    default: hello",
        "  token:",
        "    type: string",
        "    default: ''",
        "  port:",
        "    type: integer",
        "    default: 22",
        "  enabled:",
        "    type: boolean",
        "    default: false",
        "  names:",
        "    type: array",
        "    items: { type: string }",
        "    default: []",
        "  shorthand: 7",
        "  required:",
        "    type: string",
        "  overridden:",
        "    type: string",
        "    default: from-project",
        "",
      ].join("\n"),
      "Pulumi.dev.yaml": "config:\n  demo:overridden: from-stack\n",
    });
    const raw = resolveStackConfig({ root: dir, stack: "dev" });
    expect(raw.values).toEqual({
      "pulumi:disable-default-providers": '["*"]',
      "demo:greeting": "hello",
      "demo:token": "",
      "demo:port": "22",
      "demo:enabled": "false",
      "demo:names": "[]",
      "demo:shorthand": "7",
      "demo:overridden": "from-stack",
    });
    expect([...raw.secretKeys]).toEqual([]);
  });

  it("lets an ESC environment's value, secret or not, win over a project default", () => {
    const dir = project({
      "Pulumi.yaml": "name: demo\nruntime: nodejs\nconfig:\n  token:\n    type: string\n    default: ''\n  region:\n    type: string\n    default: eu-west-1\n",
      "Pulumi.dev.yaml": "environment:\n  - default/demo\n",
      "env.yaml": "values:\n  pulumiConfig:\n    token:\n      fn::secret: t0ken-from-esc\n",
    });
    const raw = resolveStackConfig({ root: dir, stack: "dev", envFiles: [path.join(dir, "env.yaml")] });
    expect(raw.values).toEqual({ "demo:token": "t0ken-from-esc", "demo:region": "eu-west-1" });
    expect([...raw.secretKeys]).toEqual(["demo:token"]);
  });

  it("gives prod the plaintext \"\" default of postgres_url, which the parser accepts as unset", () => {
    const raw = resolveStackConfig({ root, stack: "prod" });
    expect(raw.values["oceanid-cluster:postgres_url"]).toBe("");
    expect(raw.secretKeys.has("oceanid-cluster:postgres_url")).toBe(false);
    // Set by the environment: the default does not replace it.
    expect(raw.secretKeys.has("oceanid-cluster:tethys.privateKey")).toBe(true);
    expect(raw.values["oceanid-cluster:tethys.port"]).toBe("22");
    const { config, warnings } = parseConfig(raw);
    expect(warnings).toEqual([]);
    expect(config.cleandata.sourceKey).toBe("cleandataDbUrl");
  });

  it("reads prod's ESC template the way `esc env open` resolves it (checked against a hand-resolved copy)", () => {
    const fromTemplate = resolveStackConfig({ root, stack: "prod" });
    const fromOpened = resolveStackConfig({ root, stack: "prod", envFiles: [path.join(OPENED_ENVIRONMENTS, "oceanid-cluster.json")] });
    expect(fromTemplate.values).toEqual(fromOpened.values);
    expect([...fromTemplate.secretKeys].sort()).toEqual([...fromOpened.secretKeys].sort());
  });
});
