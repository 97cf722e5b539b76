import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { bundledProvider } from "../../src/dynamicProviders/bundled";
import { serializeProvider } from "../harness/provider";
import { statefulProvider } from "./fixtures/stateful-provider";

const fixture = path.join(__dirname, "fixtures", "stateful-provider.ts");

describe("bundledProvider", () => {
  it("defines exactly the implementation's methods, prototype methods included", () => {
    const provider = bundledProvider(statefulProvider, fixture, "statefulProvider");
    expect(Object.keys(provider).sort()).toEqual(["configure", "create"]);
  });

  it("hands out one provider object per file and export, so Pulumi's serialization cache applies", () => {
    expect(bundledProvider(statefulProvider, fixture, "statefulProvider")).toBe(bundledProvider(statefulProvider, fixture, "statefulProvider"));
  });

  it("after serialization, configure() and create() share one module instance (class fields, Sets and all)", async () => {
    const serialized = serializeProvider<typeof statefulProvider>("tests/dynamicProviders/fixtures/stateful-provider.ts", "statefulProvider");
    const provider = serialized.load();
    await provider.configure({ config: { get: (key: string) => (key === "greeting" ? "hello" : undefined) } } as never);
    expect(await provider.create({ name: "a" })).toEqual({ id: "a", outs: { message: "hello, a", seen: 1 } });
    expect(await serialized.load().create({ name: "b" })).toEqual({ id: "b", outs: { message: "hello, b", seen: 2 } });
  });
});
