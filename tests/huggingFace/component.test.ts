import { describe, expect, it } from "vitest";
import { findResource, planJson } from "../harness/cli";

describe("HuggingFaceDatasetSecret", () => {
  it("holds HF_TOKEN and HF_DATASET_REPO in the apps namespace, masked in the plan, and exports its name", async () => {
    const [masked, revealed] = await Promise.all([planJson(["--stack", "prod"]), planJson(["--stack", "prod", "--show-secrets"])]);
    const secret = findResource(masked, "kubernetes:core/v1:Secret", "hf-dataset").inputs;
    expect(secret.metadata).toMatchObject({ name: "hf-dataset", namespace: "apps" });
    expect(secret.stringData).toBe("[secret]");
    expect(findResource(revealed, "kubernetes:core/v1:Secret", "hf-dataset").inputs.stringData).toEqual({
      HF_TOKEN: "hf_EXAMPLEnotARealToken0",
      HF_DATASET_REPO: "goldfish-inc/oceanid-annotations",
    });
    expect(masked.outputs.huggingFaceSecretName).toBe("hf-dataset");
  });
});
