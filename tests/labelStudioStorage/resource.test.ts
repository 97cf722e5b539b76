import { describe, expect, it } from "vitest";
import { STORAGE_DEFAULTS } from "../../src/labelStudioStorage/defaults";
import { PROVIDER_VERSION } from "../../src/labelStudioStorage/provider";
import { LabelStudioProjectStorage } from "../../src/labelStudioStorage/resource";
import { runUnderMocks } from "../../src/plan/mockRuntime";

describe("LabelStudioProjectStorage", () => {
  it("registers under its own type token with plain, credential-free inputs and defaults", async () => {
    const token = "tok_must_not_be_captured_0123456789";
    process.env.LABEL_STUDIO_TOKEN = token;
    const run = await runUnderMocks(
      { project: "oceanid-cluster", stack: "test", config: { "oceanid-cluster:labelStudio.apiToken": token }, secretKeys: ["oceanid-cluster:labelStudio.apiToken"] },
      () => {
        // Outputs only a create computes stay unknown in this preview: nothing to export.
        new LabelStudioProjectStorage("ls-storage-ner", { labelStudioUrl: "https://label.example.com", project: "NER Data", bucket: "uploads", region: "us-east-1", endpoint: undefined });
        return {};
      },
    );
    delete process.env.LABEL_STUDIO_TOKEN;
    const registered = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    expect(registered.map((r) => [r.type, r.name])).toEqual([["pulumi-nodejs:dynamic/labelstudio:ProjectStorage", "ls-storage-ner"]]);
    const { __provider, ...inputs } = registered[0].inputs;
    expect(inputs).toEqual({
      ...STORAGE_DEFAULTS,
      version: PROVIDER_VERSION,
      labelStudioUrl: "https://label.example.com",
      project: "NER Data",
      bucket: "uploads",
      region: "us-east-1",
    });
    expect(__provider).toMatch(/^\[dynamic provider sha256:/);
    expect(JSON.stringify(run.resources)).not.toContain(token);
  });
});
