import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../harness/cli";
import { startFakeCrunchyBridge, type FakeCrunchyBridge } from "./fake-crunchy-bridge";

const KEY = "cbkey_cli_test_secret_9876543210";
const NET = "ooer7tenangenjelkxbkgz6sdi";
const RULES = `/networks/${NET}/firewall-rules`;

let fake: FakeCrunchyBridge | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The real CLI in a child process (async, so the fake server in this process keeps answering). */
function oceanid(args: string[], env: Record<string, string | undefined> = { CRUNCHY_BRIDGE_API_KEY: KEY }) {
  return runCli(args, { env });
}

async function withFake(rules: string[]): Promise<FakeCrunchyBridge> {
  fake = await startFakeCrunchyBridge({ apiKey: KEY, networks: { [NET]: rules } });
  return fake;
}

describe("oceanid firewall", () => {
  it("replaces a stale rule add-first and prints the JSON summary", async () => {
    const api = await withFake(["191.101.1.3/32"]);
    const run = await oceanid(["firewall", "--network", NET, "--allow", "157.173.210.123", "--description", "srv712429-oceanid egress gateway", "--prune", "--json", "--api-url", api.url]);
    expect(run).toMatchObject({ status: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toEqual({ network: NET, added: ["157.173.210.123/32"], removed: ["191.101.1.3/32"], kept: [] });
    expect(api.calls().map((c) => c.split(" ")[0])).toEqual(["GET", "POST", "DELETE"]);
    expect(api.rules(NET).map((r) => [r.rule, r.description])).toEqual([["157.173.210.123/32", "srv712429-oceanid egress gateway"]]);
  });

  it("makes exactly one request when nothing changes", async () => {
    const api = await withFake(["157.173.210.123/32", "10.0.0.0/8"]);
    const run = await oceanid(["firewall", "--network", NET, "--allow", "157.173.210.123/32", "--json", "--api-url", api.url]);
    expect(JSON.parse(run.stdout)).toEqual({ network: NET, added: [], removed: [], kept: ["10.0.0.0/8", "157.173.210.123/32"] });
    expect(api.calls()).toEqual([`GET ${RULES}`]);
  });

  it("--dry-run prints the plan after one GET and changes nothing", async () => {
    const api = await withFake(["191.101.1.3/32"]);
    const run = await oceanid(["firewall", "--network", NET, "--allow", "2001:DB8::/48", "--prune", "--dry-run", "--api-url", api.url]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      [`network ${NET}: 1 to add, 1 to remove, 0 to keep (dry run: nothing changed)`, "  + 2001:db8::/48", `  - 191.101.1.3/32       pre-existing [${api.rules(NET)[0].id}]`, ""].join("\n"),
    );
    expect(api.calls()).toEqual([`GET ${RULES}`]);
    expect(api.rules(NET).map((r) => r.rule)).toEqual(["191.101.1.3/32"]);
  });

  it("lists the rules when given no --allow", async () => {
    const api = await withFake(["191.101.1.3/32"]);
    const run = await oceanid(["firewall", "--network", NET, "--api-url", api.url]);
    expect(run.stdout).toBe([`network ${NET}: 0 added, 0 removed, 1 kept`, "  = 191.101.1.3/32       pre-existing", ""].join("\n"));
  });

  it.each([
    [["--allow", "10.0.0.5/24"], /host bits set: use 10\.0\.0\.0\/24/],
    [["--allow", "0.0.0.0/0"], /allows every address/],
    [["--prune"], /--prune needs at least one --allow/],
  ])("refuses %j before calling the API", async (flags, message) => {
    const api = await withFake(["191.101.1.3/32"]);
    const run = await oceanid(["firewall", "--network", NET, ...flags, "--api-url", api.url]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(api.calls()).toEqual([]);
  });

  it("names the environment variable when the key is missing", async () => {
    const run = await oceanid(["firewall", "--network", NET], { CRUNCHY_BRIDGE_API_KEY: undefined });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("oceanid: CRUNCHY_BRIDGE_API_KEY is not set: export the CrunchyBridge API key (cbkey_...) first\n");
  });

  it("reports API errors with message and request_id, without the key", async () => {
    const api = await withFake([]);
    api.server.inject(/^GET /, { kind: "status", status: 403, body: { message: `forbidden for Bearer ${KEY}`, request_id: "r-403" } });
    const run = await oceanid(["firewall", "--network", NET, "--api-url", api.url]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`oceanid: GET ${RULES}: 403 forbidden for Bearer [redacted] (request_id r-403)\n`);
  });
});
