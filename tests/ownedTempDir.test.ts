import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeOwnedTempDir } from "../src/ownedTempDir.cjs";

const PREFIX = "oceanid-owned-test-";
const made: string[] = [];
afterEach(() => made.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A directory named as if `pid` owned it. */
function ownedBy(pid: number, suffix = "AbC123"): string {
  const dir = path.join(os.tmpdir(), `${PREFIX}${pid}-${suffix}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "file"), "x");
  made.push(dir);
  return dir;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", "0"]);
  return pid!;
}

describe("makeOwnedTempDir", () => {
  it("makes a directory named after this process, removing those whose owner is gone and keeping the rest", async () => {
    const running = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      const kept = [ownedBy(process.pid), ownedBy(running.pid!)];
      const gone = ownedBy(deadPid());
      // Not ours to judge: no pid, or another prefix.
      const foreign = [path.join(os.tmpdir(), `${PREFIX}AbC123`), path.join(os.tmpdir(), `${PREFIX.slice(0, -1)}x-${deadPid()}-AbC123`)];
      foreign.forEach((dir) => fs.mkdirSync(dir));
      made.push(...foreign);
      const swept: string[] = [];

      const dir = makeOwnedTempDir(PREFIX, (leftover) => swept.push(leftover));
      made.push(dir);
      expect(path.basename(dir)).toMatch(new RegExp(`^${PREFIX}${process.pid}-[A-Za-z0-9]{6}$`));
      expect(swept).toEqual([gone]);
      expect([...kept, ...foreign, dir].filter((d) => !fs.existsSync(d))).toEqual([]);
      expect(fs.existsSync(gone)).toBe(false);
    } finally {
      running.kill();
    }
  });

  it("leaves a leftover it cannot clear for the next start instead of failing this one", () => {
    const stuck = ownedBy(deadPid());
    const dir = makeOwnedTempDir(PREFIX, () => {
      throw new Error("cannot stop what runs there");
    });
    made.push(dir);
    expect(fs.existsSync(dir)).toBe(true);
    expect(fs.existsSync(stuck)).toBe(true);
  });
});
