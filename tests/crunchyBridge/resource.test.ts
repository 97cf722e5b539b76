import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { recordRegistrations } from "../harness/mocks";
import { FirewallAllowlist } from "../../src/crunchyBridge/resource";

let registered: pulumi.runtime.MockResourceArgs[] = [];

beforeAll(() => {
  process.env.CRUNCHY_BRIDGE_API_KEY = "cbkey_must_not_be_captured";
  registered = recordRegistrations();
});

describe("FirewallAllowlist", () => {
  it("registers under its own dynamic type token with plain inputs and no key", async () => {
    const allowlist = new FirewallAllowlist("crunchy-firewall", {
      networkId: "ooer7tenangenjelkxbkgz6sdi",
      rules: [{ cidr: "157.173.210.123/32", description: "srv712429-oceanid egress gateway" }],
      prune: true,
      version: "1",
    });
    await new Promise<string>((resolve) => allowlist.urn.apply(resolve));
    expect(registered.map((r) => [r.type, r.name])).toEqual([["pulumi-nodejs:dynamic/crunchybridge:FirewallAllowlist", "crunchy-firewall"]]);
    const { __provider, ...inputs } = registered[0].inputs as Record<string, unknown>;
    expect(inputs).toEqual({
      networkId: "ooer7tenangenjelkxbkgz6sdi",
      rules: [{ cidr: "157.173.210.123/32", description: "srv712429-oceanid egress gateway" }],
      prune: true,
      allowAnyAddress: false,
      version: "1",
    });
    expect(typeof __provider).toBe("string");
    expect(JSON.stringify(registered[0].inputs)).not.toContain("cbkey_");
  });
});
