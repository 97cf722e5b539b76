import { afterEach, describe, expect, it } from "vitest";
import { createClient, isCrunchyBridgeError, type ClientOptions, type CrunchyBridgeError } from "../../src/crunchyBridge/client";
import type { RetryWait } from "../../src/http/retry";
import { seededRandom, startFakeServer, type FakeServer } from "../harness/http";
import { startFakeCrunchyBridge, type FakeCrunchyBridge } from "./fake-crunchy-bridge";

const KEY = "cbkey_client_test_secret_0123456789";
const NET = "ooer7tenangenjelkxbkgz6sdi";
const RULES = `/networks/${NET}/firewall-rules`;

let fake: FakeCrunchyBridge;
afterEach(() => fake?.close());

async function setup(rules: string[] = ["10.0.0.1/32"], clientOptions: Partial<ClientOptions> = {}) {
  fake = await startFakeCrunchyBridge({ apiKey: KEY, networks: { [NET]: rules } });
  return createClient({ apiKey: KEY, apiUrl: fake.url, timeoutMs: 2000, ...clientOptions, retry: { minDelayMs: 50, random: seededRandom(1), ...clientOptions.retry } });
}

async function rejection(promise: Promise<unknown>): Promise<CrunchyBridgeError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!isCrunchyBridgeError(err)) throw new Error(`expected a CrunchyBridgeError, got ${String(err)}`);
  return err;
}

describe("CrunchyBridge client against the fake API", () => {
  it("lists, creates (201, {rule, description}) and deletes with the documented paths and Bearer auth", async () => {
    const client = await setup();
    const created = await client.createFirewallRule(NET, "157.173.210.123/32", "gateway");
    expect(created).toMatchObject({ rule: "157.173.210.123/32", description: "gateway" });
    expect((await client.listFirewallRules(NET)).map((r) => r.rule)).toEqual(["10.0.0.1/32", "157.173.210.123/32"]);
    expect(await client.deleteFirewallRule(NET, created.id)).toBe("deleted");
    expect(fake.calls()).toEqual([`POST ${RULES}`, `GET ${RULES}`, `DELETE ${RULES}/${created.id}`]);
    const post = fake.server.requests[0];
    expect(post.body).toEqual({ rule: "157.173.210.123/32", description: "gateway" });
    expect(post.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(post.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect([post.headers.accept, post.headers["content-type"]]).toEqual(["application/json", "application/json"]);
    const get = fake.server.requests[1];
    expect([get.headers.accept, get.headers["content-type"], get.body]).toEqual(["application/json", undefined, ""]);
  });

  it("takes an API URL written with trailing slashes", async () => {
    await setup();
    const client = createClient({ apiKey: KEY, apiUrl: `${fake.url}//` });
    expect((await client.listFirewallRules(NET)).map((r) => r.rule)).toEqual(["10.0.0.1/32"]);
    expect(fake.calls()).toEqual([`GET ${RULES}`]);
  });

  it("refuses an empty API key before sending anything", () => {
    expect(() => createClient({ apiKey: "", apiUrl: "http://127.0.0.1:1" })).toThrow(/^CrunchyBridge API key is empty$/);
  });

  it("treats 410 (deleted before) and 404 (never existed) on DELETE as already gone", async () => {
    const client = await setup();
    const [rule] = await client.listFirewallRules(NET);
    fake.removeRuleByHand(NET, rule.id);
    expect(await client.deleteFirewallRule(NET, rule.id)).toBe("absent");
    expect(await client.deleteFirewallRule(NET, "neverexistedneverexistedaa")).toBe("absent");
    expect(fake.calls()).toHaveLength(3);
  });

  it("reads the whole documented (unpaged) list in one request", async () => {
    const client = await setup(["10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"]);
    expect((await client.listFirewallRules(NET)).map((r) => r.rule)).toEqual(["10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"]);
    expect(fake.calls()).toEqual([`GET ${RULES}`]);
  });

  it("would follow next_cursor if the list ever paged (undocumented: the API's general cursor paging)", async () => {
    // Not the faithful fake: the firewall-rules list documents no paging, so this server is a hypothetical one.
    const pages: Record<string, unknown> = {
      "": { firewall_rules: [{ id: "a", rule: "10.0.0.1/32", description: null }], has_more: true, next_cursor: "p2" },
      p2: { firewall_rules: [{ id: "b", rule: "10.0.0.2/32", description: null }], has_more: false, next_cursor: null },
    };
    const paging = await startFakeServer((req) => ({ status: 200, body: pages[req.query.get("cursor") ?? ""] }));
    try {
      const client = createClient({ apiKey: KEY, apiUrl: paging.url, timeoutMs: 2000 });
      expect((await client.listFirewallRules(NET)).map((r) => r.id)).toEqual(["a", "b"]);
      expect(paging.requests.map((r) => r.query.get("cursor"))).toEqual([null, "p2"]);
    } finally {
      await paging.close();
    }
  });

  it.each([429, 503])("waits out the Retry-After of a %i before retrying", async (status) => {
    const client = await setup();
    fake.server.inject(/^GET /, { kind: "status", status, headers: { "retry-after": "1" }, body: { message: "slow down", request_id: `r-${status}` } });
    const started = Date.now();
    expect(await client.listFirewallRules(NET)).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.calls()).toEqual([`GET ${RULES}`, `GET ${RULES}`]);
  });

  it("does not wait out a Retry-After longer than its cap: it retries after the cap", async () => {
    const client = await setup([], { retry: { maxRetryAfterMs: 200 } });
    fake.server.inject(/^GET /, { kind: "status", status: 429, headers: { "retry-after": "3600" }, body: { message: "slow down", request_id: "r-429" } });
    const started = Date.now();
    expect(await client.listFirewallRules(NET)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(fake.calls()).toHaveLength(2);
  });

  it("retries 5xx, timeouts and connection resets", async () => {
    const client = await setup([], { timeoutMs: 300 });
    fake.server.inject(/^GET /, { kind: "status", status: 503, body: { message: "unavailable", request_id: "r-503" } });
    fake.server.inject(/^GET /, { kind: "delay", ms: 1000 });
    fake.server.inject(/^GET /, { kind: "reset" });
    expect(await client.listFirewallRules(NET)).toEqual([]);
    expect(fake.calls()).toHaveLength(4);
  });

  it("reuses one Idempotency-Key across the retries of a POST, so a timed-out create lands once", async () => {
    const client = await setup([], { timeoutMs: 300 });
    // The first POST is processed only after the client gave up on it and looked.
    fake.server.inject(/^POST /, { kind: "delay", ms: 800 });
    const created = await client.createFirewallRule(NET, "157.173.210.123/32", null);
    await new Promise((resolve) => setTimeout(resolve, 900)); // let the slow first attempt land too
    expect(fake.rules(NET).map((r) => r.id)).toEqual([created.id]);
    expect(fake.calls()).toEqual([`POST ${RULES}`, `GET ${RULES}`, `POST ${RULES}`]);
    const keys = fake.server.requests.filter((r) => r.method === "POST").map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).toBe(keys[1]);
  });

  for (const [what, fault] of [
    ["answered 500", { kind: "status", status: 500, body: { message: "internal error", request_id: "r-500" }, afterEffect: true }],
    ["timed out", { kind: "delay", ms: 800, afterEffect: true }],
    ["lost its answer", { kind: "reset", afterEffect: true }],
  ] as const) {
    it(`adopts a rule whose create ${what} after it took effect, without posting again`, async () => {
      const client = await setup([], { timeoutMs: 300 });
      fake.server.inject(/^POST /, fault);
      const created = await client.createFirewallRule(NET, "157.173.210.123/32", "gateway");
      expect(fake.rules(NET)).toEqual([expect.objectContaining({ id: created.id, rule: "157.173.210.123/32", description: "gateway" })]);
      expect(fake.calls()).toEqual([`POST ${RULES}`, `GET ${RULES}`]);
    });
  }

  it("gives up when the time budget is spent, naming the last error, within the budget", async () => {
    const client = await setup([], { retry: { budgetMs: 400, minDelayMs: 20, maxDelayMs: 40 } });
    fake.server.randomFaults({ seed: 1, faults: [{ probability: 1, fault: { kind: "status", status: 500, body: { message: "boom", request_id: "r-boom" } } }] });
    const started = Date.now();
    const err = await rejection(client.listFirewallRules(NET));
    // No wait ends past the budget; the last attempt's own round trip may.
    expect(Date.now() - started).toBeLessThan(500);
    expect(err.message).toMatch(/^GET \/networks\/\S+\/firewall-rules: 500 boom \(request_id r-boom\) \(gave up after \d+ attempts in \d+(\.\d)? s: retry budget 0\.4 s\)$/);
    expect(fake.calls().length).toBeGreaterThan(4);
    expect([err.status, err.transient]).toEqual([500, true]);
  });

  it("does not retry other 4xx and reports message and request_id", async () => {
    const client = await setup();
    const err = await rejection(client.createFirewallRule(NET, "10.0.0.0/8", null));
    expect(err.message).toMatch(/400 rule overlaps with existing rule 10\.0\.0\.1\/32 \(request_id [0-9a-f-]+\)$/);
    expect([err.status, fake.calls().length]).toEqual([400, 1]);
    fake.server.inject(/^POST /, { kind: "status", status: 403, body: { message: "forbidden", request_id: "r-known-403" } });
    const forbidden = await rejection(client.createFirewallRule(NET, "10.9.0.0/16", null));
    expect([forbidden.status, forbidden.requestId, forbidden.transient, fake.calls().length]).toEqual([403, "r-known-403", false, 2]);
  });

  it("never puts the API key in an error, even when the server echoes the request headers", async () => {
    const client = await setup();
    fake.server.inject(/^GET /, { kind: "status", status: 400, body: { message: `bad header: authorization: Bearer ${KEY}`, request_id: "r-echo" } });
    const echoed = await rejection(client.listFirewallRules(NET));
    expect(echoed.message).toContain("Bearer [redacted]");
    const wrongKey = createClient({ apiKey: "cbkey_wrong", apiUrl: fake.url });
    const unauthorised = await rejection(wrongKey.listFirewallRules(NET));
    expect(unauthorised.status).toBe(401);
    for (const err of [echoed, unauthorised]) expect(`${err.message}\n${err.stack}\n${JSON.stringify(err)}`).not.toContain(KEY);
  });

  it("reports a non-JSON error page (a proxy's) by its text, cut to 200 characters, with the X-Request-Id header", async () => {
    const client = await setup();
    const page = `<html><body>${"Access denied by policy. ".repeat(12)}</body></html>`;
    fake.server.inject(/^GET /, { kind: "status", status: 403, body: page, headers: { "content-type": "text/html", "x-request-id": "edge-7f3a" } });
    const html = await rejection(client.listFirewallRules(NET));
    expect(html.message).toBe(`GET ${RULES}: 403 ${page.slice(0, 200)} (request_id edge-7f3a)`);
    expect([html.status, html.requestId]).toEqual([403, "edge-7f3a"]);
    fake.server.inject(/^GET /, { kind: "status", status: 403 });
    const empty = await rejection(client.listFirewallRules(NET));
    expect(empty.message).toBe(`GET ${RULES}: 403 Forbidden`);
    expect(empty.requestId).toBeUndefined();
  });

  it("tells each wait which service, request and cause it is waiting out", async () => {
    const waits: RetryWait[] = [];
    const client = await setup([], { timeoutMs: 300, retry: { onWait: (wait) => waits.push(wait) } });
    fake.server.inject(/^GET /, { kind: "status", status: 503, body: { message: "unavailable", request_id: "r-503" } });
    fake.server.inject(/^GET /, { kind: "delay", ms: 1000 });
    fake.server.inject(/^GET /, { kind: "reset" });
    fake.server.inject(/^POST /, { kind: "status", status: 429, headers: { "retry-after": "0" }, body: { message: "slow down", request_id: "r-429" } });
    await client.listFirewallRules(NET);
    await client.createFirewallRule(NET, "10.0.0.0/8", null);
    expect(waits.map((w) => [w.service, w.request, w.reason])).toEqual([
      ["CrunchyBridge", `GET ${RULES}`, "503"],
      ["CrunchyBridge", `GET ${RULES}`, "no response"],
      ["CrunchyBridge", `GET ${RULES}`, "UND_ERR_SOCKET"],
      ["CrunchyBridge", `POST ${RULES}`, "429"],
    ]);
  });

  it("names the cause when nothing answers: a timeout, a reset, a refused connection", async () => {
    const client = await setup([], { timeoutMs: 300, retry: { budgetMs: 200, minDelayMs: 500 } });
    fake.server.inject(/^GET /, { kind: "delay", ms: 1000 });
    const timedOut = await rejection(client.listFirewallRules(NET));
    expect([timedOut.message.replace(/ in [\d.]+ s:/, " in {t} s:"), timedOut.noAnswer]).toEqual([`GET ${RULES}: no response within 300 ms (gave up after 1 attempt in {t} s: retry budget 0.2 s)`, "no response"]);
    fake.server.inject(/^GET /, { kind: "reset" });
    const reset = await rejection(client.listFirewallRules(NET));
    expect([reset.message.replace(/ \(gave up.*\)$/, ""), reset.noAnswer, reset.transient]).toEqual([`GET ${RULES}: connection failed (UND_ERR_SOCKET)`, "UND_ERR_SOCKET", true]);
    const closed = await startFakeServer(() => ({ status: 200 }));
    await closed.close();
    const refused = await rejection(createClient({ apiKey: KEY, apiUrl: closed.url, retry: { budgetMs: 100, minDelayMs: 500 } }).listFirewallRules(NET));
    expect(refused.message.replace(/ in [\d.]+ s:/, " in {t} s:")).toBe(`GET ${RULES}: connection failed (ECONNREFUSED) (gave up after 1 attempt in {t} s: retry budget 0.1 s)`);
  });

  describe("refuses an answer that is not the documented shape, without retrying it", () => {
    let odd: FakeServer;
    afterEach(() => odd?.close());
    const serve = async (body: unknown) => {
      odd = await startFakeServer((req) => ({ status: req.method === "POST" ? 201 : 200, body }));
      return createClient({ apiKey: KEY, apiUrl: odd.url, retry: { minDelayMs: 10 } });
    };
    const shapeError = (what: string) => new RegExp(`^${what.replace(/[/]/g, "\\/")}: unexpected response shape$`);

    it.each([
      ["no body", undefined],
      ["null", null],
      ["another resource", { networks: [] }],
      ["a rule without an id", { firewall_rules: [{ rule: "10.0.0.1/32", description: null }] }],
      ["a rule without its CIDR", { firewall_rules: [{ id: "fwraaaaaaaaaaaaaaaaaaaaaaa", description: null }] }],
    ])("a listing with %s", async (_what, body) => {
      const client = await serve(body);
      await expect(client.listFirewallRules(NET)).rejects.toThrow(shapeError(`GET ${RULES}`));
      expect(odd.requests).toHaveLength(1);
    });

    it.each([
      ["no body", undefined],
      ["null", null],
      ["no id", { rule: "10.0.0.1/32", description: null }],
      ["no CIDR", { id: "fwraaaaaaaaaaaaaaaaaaaaaaa", description: null }],
    ])("a create or relabel answered with %s", async (_what, body) => {
      const client = await serve(body);
      const created = await rejection(client.createFirewallRule(NET, "10.0.0.1/32", null));
      expect([created.message, created.transient]).toEqual([`POST ${RULES}: unexpected response shape`, false]);
      await expect(client.updateFirewallRuleDescription(NET, "fwraaaaaaaaaaaaaaaaaaaaaaa", "x")).rejects.toThrow(shapeError(`PATCH ${RULES}/fwraaaaaaaaaaaaaaaaaaaaaaa`));
      expect(odd.requests.map((r) => r.method)).toEqual(["POST", "PATCH"]);
    });

    it("reads a rule without a description as null", async () => {
      const client = await serve({ firewall_rules: [{ id: "fwraaaaaaaaaaaaaaaaaaaaaaa", rule: "10.0.0.1/32" }] });
      expect(await client.listFirewallRules(NET)).toEqual([{ id: "fwraaaaaaaaaaaaaaaaaaaaaaa", rule: "10.0.0.1/32", description: null }]);
    });
  });

  it("stops paging at has_more: false or a cursor it was just given (undocumented paging, as above)", async () => {
    const rule = (id: string) => ({ id, rule: `10.0.0.${id.length}/32`, description: null });
    const pages: Record<string, unknown> = {
      "": { firewall_rules: [rule("a")], has_more: true, next_cursor: "p2" },
      p2: { firewall_rules: [rule("bb")], has_more: true, next_cursor: "p2" },
    };
    const paging = await startFakeServer((req) => ({ status: 200, body: pages[req.query.get("cursor") ?? ""] }));
    try {
      const client = createClient({ apiKey: KEY, apiUrl: paging.url });
      expect((await client.listFirewallRules(NET)).map((r) => r.id)).toEqual(["a", "bb"]);
      pages[""] = { firewall_rules: [rule("a")], has_more: false, next_cursor: "p2" };
      expect((await client.listFirewallRules(NET)).map((r) => r.id)).toEqual(["a"]);
      pages[""] = { firewall_rules: [rule("a")], has_more: true, next_cursor: 2 };
      expect((await client.listFirewallRules(NET)).map((r) => r.id)).toEqual(["a"]);
      expect(paging.requests.map((r) => r.query.get("cursor"))).toEqual([null, "p2", null, null]);
    } finally {
      await paging.close();
    }
  });
});
