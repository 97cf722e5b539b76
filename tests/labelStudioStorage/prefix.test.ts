import { describe, expect, it } from "vitest";
import { DEFAULT_IMPORT_REGEX, importRegexProblem, markerKey, prefixesOverlap, pythonReMatch, renderPrefix, unknownPlaceholders } from "../../src/labelStudioStorage/prefix";
import { slugify } from "../../src/labelStudioStorage/slug";

describe("slugify", () => {
  it.each([
    ["NER Data", "ner-data"],
    ["  Crème brûlée / v2  ", "creme-brulee-v2"],
    ["Ｆｕｌｌ ｗｉｄｔｈ ﬁsh", "full-width-fish"],
    ["İstanbul", "istanbul"],
    ["a__b--c..d", "a-b-c-d"],
    ["Søren's ßig Ørder", "s-ren-s-ig-rder"],
    ["日本語", "project"],
    ["", "project"],
    ["---", "project"],
  ])("%j → %j", (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });
});

describe("renderPrefix", () => {
  const project = { id: 123, title: "NER Data" };

  it("appends <slug>-<id>/<direction>/ to a base path (the issue's example)", () => {
    expect(renderPrefix("raw-uploads", project, "import")).toBe("raw-uploads/ner-data-123/import/");
    expect(renderPrefix("annotations", project, "export")).toBe("annotations/ner-data-123/export/");
  });

  it("fills {project} and {project_id} without appending anything", () => {
    expect(renderPrefix("uploads/{project}/in", project, "import")).toBe("uploads/ner-data-123/in/");
    expect(renderPrefix("p{project_id}", project, "export")).toBe("p123/");
  });

  it("never produces leading or double slashes and ends with exactly one slash", () => {
    expect(renderPrefix("/raw-uploads//", project, "import")).toBe("raw-uploads/ner-data-123/import/");
    expect(renderPrefix("", project, "import")).toBe("ner-data-123/import/");
    expect(renderPrefix("x/{project}//", project, "import")).toBe("x/ner-data-123/");
  });

  it("rejects unknown placeholders", () => {
    expect(unknownPlaceholders("a/{projet}/{project_id}")).toEqual(["projet"]);
    expect(() => renderPrefix("a/{projet}", project, "import")).toThrow(/unknown placeholder \{projet\}/);
  });
});

describe("import regex and marker", () => {
  const prefix = "raw-uploads/ner-data-123/import/";

  it("default regex matches uploaded assets, never the marker (Python re.match semantics)", () => {
    for (const key of ["photo.jpg", "scan 01.PNG", "notes", "a.b.c.json"]) expect(pythonReMatch(DEFAULT_IMPORT_REGEX, prefix + key)).toBe(true);
    expect(pythonReMatch(DEFAULT_IMPORT_REGEX, markerKey(prefix))).toBe(false);
    expect(pythonReMatch(DEFAULT_IMPORT_REGEX, prefix + ".DS_Store")).toBe(false);
    expect(importRegexProblem(DEFAULT_IMPORT_REGEX, prefix)).toBeUndefined();
  });

  it("re.match anchors at the start of the key only", () => {
    expect(pythonReMatch("raw", "raw-uploads/x")).toBe(true);
    expect(pythonReMatch("uploads", "raw-uploads/x")).toBe(false);
  });

  it("explains a regex that would import the marker, or does not compile", () => {
    expect(importRegexProblem(".*", prefix)).toMatch(/matches the marker object "raw-uploads\/ner-data-123\/import\/\.oceanid-keep"/);
    expect(importRegexProblem("(", prefix)).toMatch(/not a valid regular expression/);
  });

  it("detects nested import/export prefixes", () => {
    // Either may hold the other: exports under the import prefix, or the import under the export prefix.
    expect(prefixesOverlap("a/", "a/b/")).toBe(true);
    expect(prefixesOverlap("a/b/", "a/")).toBe(true);
    expect(prefixesOverlap("a/", "a/")).toBe(true);
    expect(prefixesOverlap("a/import/", "a/export/")).toBe(false);
    expect(prefixesOverlap("a/export/", "a/import/")).toBe(false);
  });
});
