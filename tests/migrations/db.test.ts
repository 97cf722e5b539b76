import type { Socket } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { withAdvisoryLock, withClient } from "../../src/migrations/db";
import { createDatabase, serverUrl, withClient as adminClient } from "../harness/postgres";

describe("withClient", () => {
  it("ends the session with Terminate and lets the socket go, without waiting for the server to close it", async () => {
    const url = await createDatabase();
    const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === "TCPSocketWrap").length;
    let socket: Socket | undefined;
    let backend: number | undefined;
    let during = 0;
    await withClient(url, { connectTimeoutMs: 10_000 }, async (client) => {
      socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
      backend = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      during = sockets();
    });
    // Returned before the server's close arrived, and the socket (TLS, as the URL asks) no
    // longer keeps the process alive.
    expect({ serverClosed: socket!.readableEnded, socketsKeepingProcessAlive: sockets() }).toEqual({ serverClosed: false, socketsKeepingProcessAlive: during - 1 });
    // Terminate was written and our side shut (pg calls end() once Terminate is flushed); then
    // the server closes its side and its backend exits.
    await vi.waitFor(() => expect({ finished: socket!.writableFinished, serverClosed: socket!.readableEnded }).toEqual({ finished: true, serverClosed: true }));
    await vi.waitFor(async () => {
      const { rows } = await adminClient(serverUrl(), (c) => c.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [backend]));
      expect(rows).toEqual([]);
    });
  });

  it("refuses to run when the lock it took is not its own session's, as through a transaction-mode pooler", async () => {
    await adminClient(await createDatabase(), async (c) => {
      // Stands in for a pooler that ran the lock on another server session: the call reports
      // success, and this session holds nothing.
      await c.query("CREATE SCHEMA pooled");
      await c.query("CREATE FUNCTION pooled.pg_try_advisory_lock(bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true'");
      await c.query("SET search_path = pooled, pg_catalog");
      let ran = false;
      await expect(withAdvisoryLock(c, "cleandata", { timeoutMs: 1000 }, async () => void (ran = true))).rejects.toThrow(
        /^The advisory lock is not held by this session: the URL goes through a transaction-mode pooler\. Use the direct Postgres port \(5432\), not the pooler\.$/,
      );
      expect(ran).toBe(false);
    });
  });
});
