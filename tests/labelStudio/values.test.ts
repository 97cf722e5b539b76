import { describe, expect, it } from "vitest";
import { chartEnvironment, chartEnvName } from "../../src/labelStudio/values";

describe("chart environment names", () => {
  it("names a key as the chart does: dots to underscores, upper case", () => {
    expect(chartEnvName("no_proxy")).toBe("NO_PROXY");
    expect(chartEnvName("feature.flag")).toBe("FEATURE_FLAG");
  });

  it("collapses spellings the chart merges into one entry, sorted", () => {
    expect(chartEnvironment({ http_proxy: "http://gw:3128", HTTP_PROXY: "http://gw:3128", PGSSLMODE: "require" })).toEqual({ HTTP_PROXY: "http://gw:3128", PGSSLMODE: "require" });
    expect(Object.keys(chartEnvironment({ b: "1", A: "2" }))).toEqual(["A", "B"]);
  });

  it("refuses spellings that merge but disagree, naming both", () => {
    expect(() => chartEnvironment({ HTTPS_PROXY: "http://gw:3128", https_proxy: "http://other:3128" })).toThrow(/HTTPS_PROXY and https_proxy both become HTTPS_PROXY/);
  });
});
