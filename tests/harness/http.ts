import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One injected fault, consumed by the next request it matches. */
export type Fault =
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: "delay"; ms: number }
  | { kind: "reset" };

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = (req: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Queue a fault for the next request whose "METHOD path" matches `match`. */
  inject(match: RegExp, fault: Fault): void;
  /** Minimum response time of every request, the server's own work included (benchmarks). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server on 127.0.0.1 for faithful fakes of remote APIs. `route` answers
 * requests; injected faults (status codes, delays, connection resets) take precedence.
 */
export async function startFakeServer(route: Route): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const faults: Array<{ match: RegExp; fault: Fault }> = [];
  let latency = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const raw = Buffer.concat(chunks).toString("utf8");
        let body: unknown = raw;
        if (raw && /json/.test(req.headers["content-type"] ?? "")) {
          try {
            body = JSON.parse(raw);
          } catch {
            body = raw;
          }
        }
        const recorded: RecordedRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body };
        requests.push(recorded);
        // Latency is the server's response time: its own work happens within it, not after it.
        const answerNoSoonerThan = sleep(latency);
        const key = `${recorded.method} ${recorded.path}`;
        const index = faults.findIndex((f) => f.match.test(key));
        if (index >= 0) {
          const [{ fault }] = faults.splice(index, 1);
          await answerNoSoonerThan;
          if (fault.kind === "reset") {
            req.socket.destroy();
            return;
          }
          if (fault.kind === "delay") await sleep(fault.ms);
          else return send(res, { status: fault.status, body: fault.body, headers: fault.headers });
        }
        let response: FakeResponse;
        try {
          response = await route(recorded);
        } catch (err) {
          response = { status: 500, body: { message: String(err) } };
        }
        await answerNoSoonerThan;
        send(res, response);
      })();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject: (match, fault) => void faults.push({ match, fault }),
    setLatency: (ms) => void (latency = ms),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, r: FakeResponse): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload = "";
  if (r.body !== undefined) {
    payload = typeof r.body === "string" ? r.body : JSON.stringify(r.body);
    headers["content-type"] ??= "application/json";
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
