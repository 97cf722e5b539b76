import { afterEach, describe, expect, it, vi } from "vitest";
import { findTool, haveRoot, haveTools } from "./tools";

describe("real-tool detection", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("finds a tool every machine has, and not one nobody has", () => {
    expect(findTool("sh")).toMatch(/\/sh$/);
    expect(findTool("no-such-tool-oceanid")).toBeUndefined();
  });

  it("skips loudly when a tool is missing, naming the packages", () => {
    vi.stubEnv("OCEANID_REQUIRE_TOOLS", "");
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(haveTools(["no-such-tool-oceanid"], ["some-package"])).toBe(false);
      expect(String(write.mock.calls[0]?.[0])).toContain("apt-get install some-package");
    } finally {
      write.mockRestore();
    }
  });

  it("turns a missing tool into a failure under OCEANID_REQUIRE_TOOLS=1", () => {
    vi.stubEnv("OCEANID_REQUIRE_TOOLS", "1");
    expect(() => haveTools(["no-such-tool-oceanid"], ["some-package"])).toThrow(/OCEANID_REQUIRE_TOOLS=1 and missing no-such-tool-oceanid/);
    expect(haveTools(["sh"], ["dash"])).toBe(true);
  });

  it("answers whether the tests run as root, which sshd and low ports need", () => {
    vi.stubEnv("OCEANID_REQUIRE_TOOLS", "1");
    if (process.getuid?.() === 0) expect(haveRoot("test")).toBe(true);
    else expect(() => haveRoot("sshd runs as root")).toThrow(/not root: sshd runs as root/);
  });
});
