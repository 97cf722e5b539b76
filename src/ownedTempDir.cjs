// Temporary directories that outlive a killed owner only until the next run. A process cleans up
// its own on every exit it sees, but SIGKILL (Stryker ends its test workers with one, the OOM
// killer, a CI job's timeout) runs no handler. So each directory is named after its owner's pid,
// and whoever makes the next one first removes those whose owner is gone.
// Plain CommonJS: src/migrations/postgres-server.cjs runs under plain node and requires it.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** @param {number} pid */
function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return /** @type {NodeJS.ErrnoException} */ (err).code === "EPERM";
  }
}

/**
 * Makes `<tmpdir>/<prefix><pid>-XXXXXX`, owned by this process, after removing every
 * `<prefix><pid>-*` whose process is gone. `beforeRemove` may stop what a dead owner left running
 * in its directory.
 * @param {string} prefix e.g. "oceanid-pg-"
 * @param {(dir: string) => void} [beforeRemove]
 * @returns {string}
 */
function makeOwnedTempDir(prefix, beforeRemove) {
  const tmp = os.tmpdir();
  const owned = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\d+)-`);
  for (const name of fs.readdirSync(tmp)) {
    const owner = owned.exec(name);
    if (!owner || isRunning(Number(owner[1]))) continue;
    const dir = path.join(tmp, name);
    // Best effort: another start may be sweeping the same directory, and a leftover the next
    // start removes is no reason to fail this one.
    try {
      beforeRemove?.(dir);
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // left for the next start
    }
  }
  return fs.mkdtempSync(path.join(tmp, `${prefix}${process.pid}-`));
}

module.exports = { makeOwnedTempDir, isRunning };
