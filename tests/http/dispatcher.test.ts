import { execFile } from "node:child_process";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { promisify } from "node:util";
import { getGlobalDispatcher, setGlobalDispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, useProxyAgent } from "../../src/http/dispatcher";

const ROOT = path.join(__dirname, "..", "..");
const execFileAsync = promisify(execFile);

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("httpRequest over undici's dispatcher alone", () => {
  const seen: Array<{ method?: string; url?: string; body: string; headers: http.IncomingHttpHeaders }> = [];
  let origin: string;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, body, headers: req.headers });
      if (req.url === "/slow-headers") return void setTimeout(() => res.end("late"), 1000);
      if (req.url === "/slow-body") {
        res.writeHead(200);
        res.write("part");
        return void setTimeout(() => res.end("rest"), 1000);
      }
      res.writeHead(req.url === "/throttled" ? 429 : 201, { "retry-after": "7" });
      res.end(`answer to ${req.method} ${req.url}`);
    });
  });
  beforeAll(async () => {
    origin = await listen(server);
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("sends the path as given, the method, headers and body, and returns status, Retry-After and the whole body", async () => {
    const answer = await httpRequest({ origin, path: "/api/a%20b/?page=2", method: "POST", headers: { "content-type": "application/json" }, body: '{"x":1}', timeoutMs: 5000 });
    expect(answer).toEqual({ status: 201, retryAfter: "7", text: "answer to POST /api/a%20b/?page=2" });
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/api/a%20b/?page=2", body: '{"x":1}', headers: { "content-type": "application/json" } });
  });

  it("returns an error status as an answer, not a failure", async () => {
    await expect(httpRequest({ origin, path: "/throttled", method: "GET", headers: {}, timeoutMs: 5000 })).resolves.toMatchObject({ status: 429, retryAfter: "7" });
  });

  it("names the timeout when the headers, or the rest of the body, do not come in time", async () => {
    const started = Date.now();
    await expect(httpRequest({ origin, path: "/slow-headers", method: "GET", headers: {}, timeoutMs: 100 })).rejects.toMatchObject({ name: "HttpNetworkFailure", reason: "no answer within 100 ms" });
    // On time, not on a coarse timer's next tick.
    expect(Date.now() - started).toBeLessThan(600);
    await expect(httpRequest({ origin, path: "/slow-body", method: "GET", headers: {}, timeoutMs: 100 })).rejects.toMatchObject({ reason: "no answer within 100 ms" });
  });

  it("names the network error's code when nothing listens", async () => {
    const closed = net.createServer();
    const deadOrigin = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpRequest({ origin: deadOrigin, path: "/", method: "GET", headers: {}, timeoutMs: 5000 })).rejects.toMatchObject({ reason: "ECONNREFUSED" });
  });

  it("goes through the proxy HTTP_PROXY names once useProxyAgent is called, and around it for NO_PROXY hosts", async () => {
    const proxy = await startConnectProxy();
    const before = getGlobalDispatcher();
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    try {
      process.env.HTTP_PROXY = proxy.url;
      process.env.NO_PROXY = "localhost";
      useProxyAgent();
      const port = new URL(origin).port;
      await expect(httpRequest({ origin, path: "/via-proxy", method: "GET", headers: {}, timeoutMs: 5000 })).resolves.toMatchObject({ status: 201 });
      expect(proxy.tunnels).toEqual([`127.0.0.1:${port}`]);
      await expect(httpRequest({ origin: `http://localhost:${port}`, path: "/direct", method: "GET", headers: {}, timeoutMs: 5000 })).resolves.toMatchObject({ status: 201 });
      expect(proxy.tunnels).toHaveLength(1);
    } finally {
      setGlobalDispatcher(before);
      for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
      else process.env[name] = value;
      proxy.close();
    }
  });

  it("works in a process that never loaded undici's index (nor its fetch), directly and through the proxy", async () => {
    // This test file imports all of undici, which would hide a part of it that is missing.
    const proxy = await startConnectProxy();
    const script = `
      require("tsx/cjs");
      const { httpRequest, useProxyAgent } = require(${JSON.stringify(path.join(ROOT, "src/http/dispatcher.ts"))});
      (async () => {
        const get = async (p) => (await httpRequest({ origin: process.env.ORIGIN, path: p, method: "GET", headers: {}, timeoutMs: 5000 })).text;
        const direct = await get("/direct");
        useProxyAgent();
        const proxied = await get("/proxied");
        const loaded = Object.keys(require.cache).filter((f) => f.includes("/node_modules/undici/")).map((f) => f.split("/node_modules/undici/")[1]);
        console.log(JSON.stringify({ direct, proxied, index: loaded.includes("index.js"), fetch: loaded.some((f) => f.startsWith("lib/web/fetch/")) }));
      })();`;
    try {
      const { stdout } = await execFileAsync(process.execPath, ["--no-warnings", "-e", script], { cwd: ROOT, env: { ...process.env, ORIGIN: origin, HTTP_PROXY: proxy.url, NO_PROXY: "" } });
      expect(JSON.parse(stdout)).toEqual({ direct: "answer to GET /direct", proxied: "answer to GET /proxied", index: false, fetch: false });
      expect(proxy.tunnels).toEqual([new URL(origin).host]);
    } finally {
      proxy.close();
    }
  });
});

/** A forward proxy as squid acts for the provisioner: CONNECT, then bytes both ways. */
async function startConnectProxy(): Promise<{ url: string; tunnels: string[]; close(): void }> {
  const tunnels: string[] = [];
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req: http.IncomingMessage, client: net.Socket) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection established\r\n\r\n");
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
  });
  const url = await listen(proxy);
  return {
    url,
    tunnels,
    close: () => {
      proxy.closeAllConnections();
      proxy.close();
    },
  };
}
