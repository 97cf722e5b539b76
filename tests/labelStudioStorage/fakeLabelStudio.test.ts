import { describe, expect, it } from "vitest";
import { DEFAULT_IMPORT_REGEX } from "../../src/labelStudioStorage/prefix";
import { reMatcher } from "./fakeLabelStudio";

// What CPython 3 answers for `re.match(pattern, key) is not None`, one row per behaviour the fake must share.
const PYTHON: Array<[pattern: string, key: string, matches: boolean]> = [
  ["raw", "raw-uploads/x.jpg", true], // a prefix of the key is enough: not anchored at the end
  ["uploads", "raw-uploads/x.jpg", false], // anchored at the start: no search further in
  [".*\\.jpg", "a/x.jpg.txt", true],
  [".*\\.jpg$", "a/x.jpg.txt", false],
  ["a|b", "xb", false], // both branches anchored
  ["a|b", "b/x", true],
  ["(?P<d>\\d+)/(?P=d)", "12/12/x", true], // Python's named groups
  ["(?P<d>\\d+)/(?P=d)", "12/13", false],
  [DEFAULT_IMPORT_REGEX, "raw-uploads/p-1/import/a.jpg", true],
  [DEFAULT_IMPORT_REGEX, "raw-uploads/p-1/import/.oceanid-keep", false],
  [DEFAULT_IMPORT_REGEX, "raw-uploads/p-1/import/nested/b.jpg", true],
];

describe("the fake Label Studio's regex_filter", () => {
  it.each(PYTHON)("re.match(%j, %j) → %s", (pattern, key, matches) => {
    expect(reMatcher(pattern)(key)).toBe(matches);
  });

  it("gives the same answer however often it is asked (no state carried between keys)", () => {
    const match = reMatcher("a");
    expect([match("a1"), match("a2"), match("b"), match("a3")]).toEqual([true, true, false, true]);
  });
});
