import { accessSync, constants } from "node:fs";
import path from "node:path";

/**
 * Real tools from Debian's packages that some tests run (squid, sshd, psql, ...). Where one is
 * missing, its tests skip with one loud line naming the packages to install; with
 * OCEANID_REQUIRE_TOOLS=1 (set by .ci/run) a missing tool is an error instead, so CI can never pass
 * without them.
 */
const SEARCH_PATH = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/sbin", "/usr/lib/postgresql/15/bin"];

/** Absolute path of an executable named `name`, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of SEARCH_PATH) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * True when every tool is on this machine. Otherwise prints one line naming what is missing and the
 * Debian packages that bring it, and returns false (so `describe.skipIf(!haveTools(...))` skips),
 * or throws when OCEANID_REQUIRE_TOOLS=1.
 */
export function haveTools(tools: readonly string[], debianPackages: readonly string[]): boolean {
  const missing = tools.filter((t) => findTool(t) === undefined);
  if (missing.length === 0) return true;
  return skipLoudly(`missing ${missing.join(", ")}: install Debian packages ${debianPackages.join(" ")} (apt-get install ${debianPackages.join(" ")})`);
}

/**
 * True when the tests run as root, which starting sshd or binding ports 80/443 on 127.0.0.1 needs;
 * otherwise the same loud skip (or failure under OCEANID_REQUIRE_TOOLS=1) as a missing tool.
 */
export function haveRoot(why: string): boolean {
  if (process.getuid?.() === 0) return true;
  return skipLoudly(`not root: ${why} (run the suite as root, as CI does)`);
}

/** The same loud skip (or failure under OCEANID_REQUIRE_TOOLS=1) for anything else a test needs. */
export function haveOrSkip(present: boolean, whatIsMissing: string): boolean {
  return present || skipLoudly(whatIsMissing);
}

function skipLoudly(line: string): false {
  if (process.env.OCEANID_REQUIRE_TOOLS === "1") throw new Error(`OCEANID_REQUIRE_TOOLS=1 and ${line}`);
  process.stderr.write(`\n!!! SKIPPING real-tool tests: ${line}\n\n`);
  return false;
}
