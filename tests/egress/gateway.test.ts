import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request, createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, Socket, type Server } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EgressGateway } from "../../src/egress/component";
import { findTool, haveRoot, haveTools } from "../harness/tools";
import { findRegistered, freePort, PodFilesystem, podOf, registeredBy, startAsContainer, type ContainerProcess } from "./container";

const run = promisify(execFile);

/**
 * How the ubuntu/squid image starts squid: its entrypoint, as root, follows squid's log files
 * into the container's stdout with `tail -F`, creates the cache directories, then execs squid
 * with the image's CMD `-f /etc/squid/squid.conf -NYC`; squid drops to user `proxy` itself.
 * Source: the Squid OCI image entrypoint (Ubuntu's, as carried in wolfi-dev/os squid/entrypoint.sh
 * and in dify's ssrf_proxy, both "based on Squid OCI image entrypoint"). Paths are the
 * container's; the test moves them.
 */
const IMAGE_ENTRYPOINT = `
tail -F /var/log/squid/access.log 2>/dev/null &
tail -F /var/log/squid/error.log 2>/dev/null &
tail -F /var/log/squid/store.log 2>/dev/null &
tail -F /var/log/squid/cache.log 2>/dev/null &
SQUID -Nz -f /etc/squid/squid.conf
exec SQUID "$@"
`;
const IMAGE_CMD = ["-f", "/etc/squid/squid.conf", "-NYC"];

/** What a client gets for CONNECT target through the proxy, and whether bytes then flow both ways. */
async function connectThrough(proxyPort: number, target: string, localAddress = "127.0.0.1"): Promise<{ status: string; echoed: boolean }> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.connect({ port: proxyPort, host: "127.0.0.1", localAddress }, resolve);
  });
  try {
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    let received = "";
    const status = await new Promise<string>((resolve, reject) => {
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
        const end = received.indexOf("\r\n\r\n");
        if (end >= 0) {
          resolve(received.slice(0, received.indexOf("\r\n")));
          received = received.slice(end + 4);
        }
      });
      socket.once("close", () => reject(new Error(`proxy closed before answering: ${received}`)));
    });
    if (!status.includes(" 200 ")) return { status, echoed: false };
    socket.write("ping\n");
    const deadline = Date.now() + 3000;
    while (!received.includes("ping\n") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return { status, echoed: received.includes("ping\n") };
  } finally {
    socket.destroy();
  }
}

function getThrough(proxyPort: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxyPort, path: url, headers: { Host: new URL(url).host } }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
    });
    req.once("error", reject);
    req.end();
  });
}

async function listenOn<T extends Server | HttpServer>(server: T, port: number): Promise<T> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on 127.0.0.1:${port} (${error.code}); the gateway test needs that port free, and root`)));
    server.listen(port, "127.0.0.1", resolve);
  });
  return server;
}

describe.skipIf(!haveTools(["squid", "tail"], ["squid", "coreutils"]) || !haveRoot("squid drops to user proxy and the test binds ports 80 and 443"))("egress gateway against a real squid started as the ubuntu/squid image starts it", () => {
  const squid = findTool("squid") as string;
  let conf: string;
  let fs: PodFilesystem;
  let gateway: ContainerProcess;
  let proxyPort: number;
  let otherPort: number;
  let originHits = 0;
  const servers: Array<Server | HttpServer> = [];

  beforeAll(async () => {
    // The pod CIDR is 127.0.0.1 alone here; 127.0.0.2 plays a client from anywhere else.
    const registered = await registeredBy(
      () => new EgressGateway("egress-gateway", { nodeName: "egress-node", podCidr: "127.0.0.1/32", serviceCidr: "127.0.0.3/32", squidImage: "ubuntu/squid:6.10-24.10_beta", appsNamespace: "apps" }),
    );
    conf = (findRegistered(registered, "kubernetes:core/v1:ConfigMap", "egress-gateway-squid") as { data: Record<string, string> }).data["squid.conf"];
    const { pod, container } = podOf(findRegistered(registered, "kubernetes:apps/v1:Deployment", "egress-gateway"));
    fs = new PodFilesystem(pod, container, {});

    // Echo servers stand in for a TLS site on 443 and for a service on another port; an HTTP
    // origin on 80 serves a cacheable answer and counts how often it is asked.
    const echo = () => createServer((socket) => socket.pipe(socket).on("error", () => undefined));
    otherPort = await freePort();
    servers.push(await listenOn(echo(), 443), await listenOn(echo(), otherPort));
    const origin = createHttpServer((_req, res) => {
      originHits++;
      res.writeHead(200, { "Cache-Control": "public, max-age=3600", "Content-Type": "text/plain" }).end("cacheable\n");
    });
    servers.push(await listenOn(origin, 80));

    proxyPort = await freePort();
    const hostConf = path.join(fs.root, "squid.conf");
    // Only the listen address (3128 on every address in the pod) and the mounted log directory move.
    writeFileSync(hostConf, fs.translate(conf).replace(/^http_port 3128$/m, `http_port 127.0.0.1:${proxyPort}`));
    const script = fs.translate(IMAGE_ENTRYPOINT).replaceAll("SQUID", squid).replaceAll("/etc/squid/squid.conf", hostConf);
    const args = IMAGE_CMD.map((arg) => arg.replace("/etc/squid/squid.conf", hostConf));
    gateway = startAsContainer(["bash", "-c", script, "entrypoint", ...args], {});
    await gateway.waitForOutput(/Accepting HTTP Socket connections|FATAL/, 15_000);
    expect(gateway.output()).not.toMatch(/FATAL/);
  });

  afterAll(async () => {
    // SIGINT is squid's fast shutdown; SIGTERM would wait out shutdown_lifetime.
    await gateway?.stop("SIGINT");
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    fs?.remove();
  });

  it("passes squid -k parse as generated", async () => {
    const confPath = path.join(fs.root, "as-generated.conf");
    writeFileSync(confPath, conf);
    const { stderr } = await run(squid, ["-k", "parse", "-f", confPath]);
    expect(stderr).not.toMatch(/ERROR|FATAL|WARNING/);
  });

  it("tunnels CONNECT to 443 for the pod CIDR", async () => {
    expect(await connectThrough(proxyPort, "127.0.0.1:443")).toEqual({ status: "HTTP/1.1 200 Connection established", echoed: true });
  });

  it("refuses CONNECT to any other port, and every client outside the cluster's CIDRs", async () => {
    // Port 80 is open to plain HTTP, but never to a tunnel.
    expect((await connectThrough(proxyPort, "127.0.0.1:80")).status).toMatch(/ 403 /);
    expect((await connectThrough(proxyPort, `127.0.0.1:${otherPort}`)).status).toMatch(/ 403 /);
    expect((await connectThrough(proxyPort, "127.0.0.1:443", "127.0.0.2")).status).toMatch(/ 403 /);
  });

  it("caches nothing: the origin answers every request, cacheable or not", async () => {
    const before = originHits;
    expect(await getThrough(proxyPort, "http://127.0.0.1/cacheable")).toBe(200);
    expect(await getThrough(proxyPort, "http://127.0.0.1/cacheable")).toBe(200);
    expect(originHits - before).toBe(2);
  });

  it("keeps running as user proxy and logs every request to the container's stdout, a pipe that belongs to root", async () => {
    await connectThrough(proxyPort, "127.0.0.1:443");
    await connectThrough(proxyPort, `127.0.0.1:${otherPort}`);
    await connectThrough(proxyPort, "127.0.0.1:443", "127.0.0.2");
    await gateway.waitForOutput(/TCP_TUNNEL\/200 .*CONNECT 127\.0\.0\.1:443/);
    await gateway.waitForOutput(new RegExp(`127\\.0\\.0\\.1 TCP_DENIED/403 .*CONNECT 127\\.0\\.0\\.1:${otherPort}`));
    await gateway.waitForOutput(/127\.0\.0\.2 TCP_DENIED\/403 .*CONNECT 127\.0\.0\.1:443/);
    expect(gateway.ended()).toBeUndefined();
  });
});
