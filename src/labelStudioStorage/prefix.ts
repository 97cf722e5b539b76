import { slugify } from "./slug";
import type { Direction, Project } from "./types";

/**
 * Default `importRegex`: every key whose last path segment does not start with "." — so
 * assets users upload match and our marker (and `.DS_Store`-like files) never become tasks.
 * Label Studio applies it with Python's `re.match` to the full key; this pattern reads the
 * same in Python and JavaScript.
 */
export const DEFAULT_IMPORT_REGEX = "^(?:.*/)?[^/.][^/]*$";

/** Name of the object written under a new prefix so Label Studio's validation finds the prefix. */
export const MARKER_NAME = ".oceanid-keep";

const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN_PLACEHOLDERS = ["project", "project_id"];

/** Placeholders in a prefix template that we do not know (so a typo fails before any write). */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((name) => !KNOWN_PLACEHOLDERS.includes(name));
}

/**
 * The project's prefix: `{project}` → `<slug>-<id>`, `{project_id}` → `<id>`; a template
 * without placeholders gets `/<slug>-<id>/<direction>/` appended. No leading or double
 * slashes, exactly one trailing slash.
 */
export function renderPrefix(template: string, project: Project, direction: Direction): string {
  const unknown = unknownPlaceholders(template);
  if (unknown.length > 0) throw new Error(`unknown placeholder {${unknown[0]}} in prefix "${template}" (use {project} or {project_id})`);
  const projectPart = `${slugify(project.title)}-${project.id}`;
  const hasPlaceholder = template.match(PLACEHOLDER) !== null;
  const path = hasPlaceholder
    ? template.replace(PLACEHOLDER, (_, name: string) => (name === "project" ? projectPart : String(project.id)))
    : `${template}/${projectPart}/${direction}`;
  return `${path}/`.replace(/\/{2,}/g, "/").replace(/^\//, "");
}

export function markerKey(prefix: string): string {
  return `${prefix}${MARKER_NAME}`;
}

/** Python's `re.match`: anchored at the start of the key only. */
export function pythonReMatch(pattern: string, key: string): boolean {
  const re = new RegExp(pattern, "y");
  return re.test(key);
}

/**
 * Why an import regex is unusable for this prefix, or undefined: it must compile and must not
 * match the marker, which would otherwise be imported as a task.
 */
export function importRegexProblem(pattern: string, importPrefix: string): string | undefined {
  try {
    if (pythonReMatch(pattern, markerKey(importPrefix))) {
      return `importRegex ${JSON.stringify(pattern)} matches the marker object "${markerKey(importPrefix)}", which would become a task; exclude keys starting with "." in their last segment (default ${JSON.stringify(DEFAULT_IMPORT_REGEX)})`;
    }
  } catch (err) {
    return `importRegex ${JSON.stringify(pattern)} is not a valid regular expression: ${(err as Error).message}`;
  }
  return undefined;
}

/** Import and export prefixes must not nest: exported annotations would be imported as tasks. */
export function prefixesOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}
