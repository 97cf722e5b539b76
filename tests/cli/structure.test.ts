import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Imports under src/ run one way: no module reaches itself again through its own imports (the CLI
// once had main.ts and every */command.ts importing each other, for UsageError).

const src = path.resolve(__dirname, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** Relative imports of a file, static or `require()`d, as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specifiers = [...ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName), ...[...text.matchAll(/require\("(\.[^"]+)"\)/g)].map((m) => m[1]!)];
  return specifiers
    .filter((s) => s.startsWith("."))
    .flatMap((s) => {
      const base = path.resolve(path.dirname(file), s);
      return [`${base}.ts`, path.join(base, "index.ts")].filter((f) => fs.existsSync(f)).slice(0, 1);
    });
}

/** Every cycle found by a depth-first walk, each as the list of files it goes through. */
function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, stack: string[]) => {
    const at = stack.indexOf(file);
    if (at >= 0) return void found.push([...stack.slice(at), file].map((f) => path.relative(src, f)));
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...stack, file]);
    done.add(file);
  };
  for (const file of files) visit(file, []);
  return found;
}

describe("src/ module structure", () => {
  it("has no import cycles (commands share src/cli/errors.ts, not src/cli/main.ts)", () => {
    const files = sourceFiles(src);
    expect(files.length).toBeGreaterThan(20);
    expect(importsOf(path.join(src, "cli", "main.ts"))).toContain(path.join(src, "plan", "command.ts"));
    expect(cycles(files)).toEqual([]);
  });
});
