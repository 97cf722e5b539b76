import { describe, expect, it } from "vitest";
import { cidrsOverlap, compareCidrs, normaliseCidr } from "../../src/crunchyBridge/cidr";

describe("normaliseCidr", () => {
  it.each([
    ["157.173.210.123", "157.173.210.123/32"],
    [" 157.173.210.123/32 ", "157.173.210.123/32"],
    ["10.42.0.0/16", "10.42.0.0/16"],
    ["2001:DB8::1", "2001:db8::1/128"],
    ["2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32"],
    ["fe80::/10", "fe80::/10"],
  ])("%s → %s", (input, expected) => {
    expect(normaliseCidr(input)).toBe(expected);
  });

  it.each([
    ["10.0.0.5/24", /host bits set: use 10\.0\.0\.0\/24 for the network, or 10\.0\.0\.5\/32/],
    ["2001:db8::1/64", /host bits set: use 2001:db8::\/64/],
    ["10.0.0.0/33", /at most 32/],
    ["2001:db8::/129", /at most 128/],
    ["10.0.0.0/", /invalid prefix/],
    ["10.0.0.0/24x", /invalid prefix/],
    ["10.0.0.0/x24", /invalid prefix/],
    ["10.0.0.0/+8", /invalid prefix/],
    ["10.0.0.0/8/8", /not a CIDR/],
    ["/24", /^"\/24" is not a CIDR \(expected e\.g\. 203\.0\.113\.7\/32 or 2001:db8::\/48\)$/],
    ["1.2.3", /not an IPv4 or IPv6/],
    ["010.1.2.3", /not an IPv4 or IPv6/],
    ["example.com", /not an IPv4 or IPv6/],
    ["::ffff:1.2.3.4", /IPv4-mapped.*1\.2\.3\.4/],
    ["fe80::1%eth0", /zone id/],
    ["0.0.0.0/0", /allows every address/],
    ["::/0", /allows every address/],
  ])("refuses %s", (input, message) => {
    expect(() => normaliseCidr(input)).toThrow(message);
  });

  it("accepts the whole internet only when asked explicitly", () => {
    expect(normaliseCidr("0.0.0.0/0", { allowAnyAddress: true })).toBe("0.0.0.0/0");
    expect(normaliseCidr("::/0", { allowAnyAddress: true })).toBe("::/0");
  });
});

describe("cidrsOverlap", () => {
  it.each([
    ["10.0.0.0/8", "10.1.0.0/16", true],
    ["10.1.0.0/16", "10.0.0.0/8", true],
    ["10.0.0.1/32", "10.0.0.1/32", true],
    ["10.0.0.1/32", "10.0.0.2/32", false],
    ["10.0.0.0/8", "2001:db8::/32", false],
    ["2001:db8::/32", "2001:db8:1::/48", true],
  ])("%s ∩ %s = %s", (a, b, expected) => {
    expect(cidrsOverlap(a, b)).toBe(expected);
  });
});

it("orders CIDRs IPv4 first, independent of input order", () => {
  const cidrs = ["2001:db8::/32", "10.0.0.0/8", "1.2.3.4/32", "3.3.3.3/32"];
  expect([...cidrs].sort(compareCidrs)).toEqual(["1.2.3.4/32", "10.0.0.0/8", "3.3.3.3/32", "2001:db8::/32"]);
  expect([...cidrs].reverse().sort(compareCidrs)).toEqual([...cidrs].sort(compareCidrs));
});
