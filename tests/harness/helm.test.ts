import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { haveHelm, helmBinary, parseManifest, PINNED_HELM } from "./helm";

describe.skipIf(!haveHelm())("the Helm the tests run", () => {
  it("is Helm 3, and on linux-x64 the pinned v3.18.0 with the pinned sha256", async () => {
    const helm = await helmBinary();
    const version = execFileSync(helm, ["version", "--short"], { env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent" } }).toString();
    expect(version).toMatch(/^v3\./);
    if (process.platform === "linux" && process.arch === "x64") {
      expect(version.startsWith(`${PINNED_HELM.version}+`)).toBe(true);
      expect(createHash("sha256").update(fs.readFileSync(helm)).digest("hex")).toBe(PINNED_HELM.sha256);
    }
  });
});

describe("rendered manifests", () => {
  it("parse into their objects, empty documents dropped, bad YAML refused", () => {
    expect(parseManifest("---\n# Source: x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n---\n")).toEqual([{ apiVersion: "v1", kind: "Secret", metadata: { name: "a" } }]);
    expect(() => parseManifest("a: [1\n")).toThrow(/not valid YAML/);
  });
});
