import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * One injected fault, consumed by the next request it matches. By default the request is not
 * processed (a 429, a 503 from a proxy, a connection refused mid-way); with `afterEffect` it is
 * processed first and only its answer is replaced, delayed or lost — a write that took effect
 * although the client saw a 500 or a timeout.
 */
export type Fault =
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string>; afterEffect?: boolean }
  | { kind: "delay"; ms: number; afterEffect?: boolean }
  | { kind: "reset"; afterEffect?: boolean };

/**
 * Faults drawn at random for every request matching `match` (default all): each entry's
 * `probability` in turn, at most one fault per request. A request's draw depends only on the
 * seed, its "METHOD path?query" and how many such requests came before it, so a run is
 * reproducible whatever order concurrent requests arrive in.
 */
export interface RandomFaults {
  seed: number;
  match?: RegExp;
  faults: Array<{ probability: number; fault: Fault }>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** Date.now() when the request arrived. */
  receivedAt: number;
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
  /** Seeded random faults from now on (after queued ones); undefined stops them. */
  randomFaults(faults: RandomFaults | undefined): void;
  /** Faults served so far, queued and random, as "METHOD path → kind". */
  faultLog: string[];
  /** Minimum response time of every request, the server's own work included (benchmarks). */
  setLatency(ms: number): void;
  /** The most requests the server held at once, from arrival to the end of the answer. */
  peakInFlight(): number;
  close(): Promise<void>;
}

/**
 * A local HTTP server on 127.0.0.1 for faithful fakes of remote APIs. `route` answers
 * requests; injected faults (status codes, delays, connection resets) take precedence.
 */
export async function startFakeServer(route: Route): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const faults: Array<{ match: RegExp; fault: Fault }> = [];
  let random: RandomFaults | undefined;
  const seen = new Map<string, number>();
  const faultLog: string[] = [];
  let latency = 0;
  const takeFault = (recorded: RecordedRequest): Fault | undefined => {
    const key = `${recorded.method} ${recorded.path}`;
    const index = faults.findIndex((f) => f.match.test(key));
    if (index >= 0) return faults.splice(index, 1)[0].fault;
    if (!random || !(random.match ?? /./).test(key)) return undefined;
    const full = `${key}?${recorded.query}`;
    const nth = (seen.get(full) ?? 0) + 1;
    seen.set(full, nth);
    let draw = seededRandom(hashString(`${random.seed} ${full} ${nth}`))();
    for (const { probability, fault } of random.faults) {
      if (draw < probability) return fault;
      draw -= probability;
    }
    return undefined;
  };
  let inFlight = 0;
  let peak = 0;
  const server = http.createServer((req, res) => {
    const receivedAt = Date.now();
    peak = Math.max(peak, ++inFlight);
    res.on("close", () => inFlight--);
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
        const recorded: RecordedRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body, receivedAt };
        requests.push(recorded);
        // Latency is the server's response time: its own work happens within it, not after it.
        const answerNoSoonerThan = sleep(latency);
        const fault = takeFault(recorded);
        if (fault) faultLog.push(`${recorded.method} ${recorded.path} → ${fault.kind}${fault.kind === "status" ? ` ${fault.status}` : ""}${fault.afterEffect ? " after effect" : ""}`);
        if (fault && !fault.afterEffect) {
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
        if (fault?.afterEffect) {
          if (fault.kind === "reset") return void req.socket.destroy();
          if (fault.kind === "status") return send(res, { status: fault.status, body: fault.body, headers: fault.headers });
          await sleep(fault.ms);
        }
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
    randomFaults: (options) => {
      random = options;
      seen.clear();
    },
    faultLog,
    setLatency: (ms) => void (latency = ms),
    peakInFlight: () => peak,
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

/** mulberry32: a small seeded generator of numbers in [0, 1), for reproducible faults and jitter. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bits. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
