import ipaddr from "ipaddr.js";
import { startFakeServer, type FakeResponse, type FakeServer, type RecordedRequest } from "../harness/http";

/** A firewall rule as the fake stores it: the API's FirewallRule shape. */
export interface StoredRule {
  id: string;
  description: string | null;
  network_id: string;
  rule: string;
  team_id: string;
}

export interface FakeCrunchyBridge {
  url: string;
  server: FakeServer;
  /** Live rules of a network (a copy), in creation order like the API. */
  rules(networkId: string): StoredRule[];
  /** Change the allowlist behind the client's back (the web console, `cb`, a colleague). */
  addRuleByHand(networkId: string, cidr: string, description?: string): StoredRule;
  removeRuleByHand(networkId: string, ruleId: string): void;
  /** The network is deleted: its routes answer 410 from now on. */
  deleteNetwork(networkId: string): void;
  /** CIDRs of the network after each successful POST/PATCH/DELETE, in order. */
  history: Array<{ op: string; cidrs: string[] }>;
  /** "METHOD path" of every request received, faulted ones included. */
  calls(): string[];
  close(): Promise<void>;
}

/**
 * The API's "rules cannot overlap", worked out here from the addresses themselves rather than
 * with the client's own CIDR code: two ranges share an address exactly when their network
 * addresses agree on the leading bits of the shorter prefix. An IPv4 and an IPv6 range never do.
 */
function rangesShareAnAddress(a: string, b: string): boolean {
  const [addrA, bitsA] = ipaddr.parseCIDR(a);
  const [addrB, bitsB] = ipaddr.parseCIDR(b);
  if (addrA.kind() !== addrB.kind()) return false;
  const shorter = Math.min(bitsA, bitsB);
  const bitsOf = (addr: ipaddr.IPv4 | ipaddr.IPv6) => addr.toByteArray().map((byte) => byte.toString(2).padStart(8, "0")).join("");
  return bitsOf(addrA).slice(0, shorter) === bitsOf(addrB).slice(0, shorter);
}

export const TEAM_ID = "teamteamteamteamteamteamaa";
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const NOT_FOUND = "the requested resource was not found";
const GONE = "the requested resource has been deleted";

/**
 * Follows the documented API: `GET|POST /networks/{id}/firewall-rules`,
 * `PATCH|DELETE /networks/{id}/firewall-rules/{rule_id}`, Bearer auth, bodies
 * `{ rule, description }` and `{ firewall_rules: [...] }`, 201 on create, 404 for an id that never
 * existed and 410 for one already deleted, errors `{ message, request_id }`, `Idempotency-Key`
 * replay on POST, overlapping rules refused (400; the status is undocumented). The list answers in
 * one response: the firewall-rules list documents no paging (API-FACTS).
 */
export async function startFakeCrunchyBridge(options: { apiKey: string; networks: Record<string, string[]> }): Promise<FakeCrunchyBridge> {
  const networks = new Map<string, StoredRule[]>();
  // Ids of deleted rules and networks: the API answers 410 for them, 404 for ids that never existed.
  const deleted = new Set<string>();
  const idempotency = new Map<string, { body: string; response: FakeResponse }>();
  const history: FakeCrunchyBridge["history"] = [];
  let counter = 0;
  // EIDs: 26 lowercase base32 characters, the last one from [aeimquy4].
  const eid = (prefix: string) => `${prefix}${[...(++counter).toString(32)].map((c) => BASE32[parseInt(c, 32)]).join("")}`.padEnd(25, "a") + "a";
  const requestId = () => `00000000-0000-4000-8000-${String(counter++).padStart(12, "0")}`;
  const error = (status: number, message: string): FakeResponse => ({ status, body: { message, request_id: requestId() } });
  const store = (networkId: string, cidr: string, description: string | null): StoredRule => {
    const rule: StoredRule = { id: eid("fwr"), description, network_id: networkId, rule: cidr, team_id: TEAM_ID };
    networks.get(networkId)!.push(rule);
    return rule;
  };
  for (const [id, cidrs] of Object.entries(options.networks)) {
    networks.set(id, []);
    for (const cidr of cidrs) store(id, cidr, "pre-existing");
  }
  const snapshot = (req: RecordedRequest, networkId: string) =>
    history.push({ op: `${req.method} ${req.path}`, cidrs: networks.get(networkId)!.map((r) => r.rule).sort() });

  const route = (req: RecordedRequest): FakeResponse => {
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return { status: 401, body: { message: "unauthorized", request_id: requestId(), code: null, is_transient: false } };
    const match = /^\/networks\/([^/]+)\/firewall-rules(?:\/([^/]+))?$/.exec(req.path);
    if (!match) return error(404, NOT_FOUND);
    const [, networkId, ruleId] = match;
    const rules = networks.get(networkId);
    if (!rules) return deleted.has(networkId) ? error(410, GONE) : error(404, NOT_FOUND);

    if (ruleId === undefined && req.method === "GET") return { status: 200, body: { firewall_rules: rules } };
    if (ruleId === undefined && req.method === "POST") {
      const key = req.headers["idempotency-key"];
      const bodyText = JSON.stringify(req.body);
      if (typeof key === "string" && idempotency.has(key)) {
        const seen = idempotency.get(key)!;
        return seen.body === bodyText ? seen.response : error(409, "idempotency key reused with a different request");
      }
      const body = req.body as { rule?: unknown; description?: unknown };
      if (typeof body !== "object" || body === null || typeof body.rule !== "string" || !ipaddr.isValidCIDR(body.rule)) return error(400, "rule must be a valid CIDR");
      if (body.description !== undefined && body.description !== null && typeof body.description !== "string") return error(400, "description must be a string");
      const overlapping = rules.find((r) => rangesShareAnAddress(r.rule, body.rule as string));
      if (overlapping) return error(400, `rule overlaps with existing rule ${overlapping.rule}`);
      const response: FakeResponse = { status: 201, body: store(networkId, body.rule, (body.description as string | null | undefined) ?? null) };
      if (typeof key === "string") idempotency.set(key, { body: bodyText, response });
      snapshot(req, networkId);
      return response;
    }
    if (ruleId !== undefined) {
      const index = rules.findIndex((r) => r.id === ruleId);
      if (index < 0) return deleted.has(ruleId) ? error(410, GONE) : error(404, NOT_FOUND);
      if (req.method === "GET") return { status: 200, body: rules[index] };
      if (req.method === "PATCH") {
        const body = req.body as { description?: unknown };
        if (typeof body?.description === "string" || body?.description === null) rules[index].description = body.description;
        snapshot(req, networkId);
        return { status: 200, body: rules[index] };
      }
      if (req.method === "DELETE") {
        const [gone] = rules.splice(index, 1);
        deleted.add(ruleId);
        snapshot(req, networkId);
        return { status: 200, body: gone };
      }
    }
    return error(405, "method not allowed");
  };

  const server = await startFakeServer(route);
  return {
    url: server.url,
    server,
    rules: (networkId) => (networks.get(networkId) ?? []).map((r) => ({ ...r })),
    addRuleByHand: (networkId, cidr, description = "added by hand") => store(networkId, cidr, description),
    removeRuleByHand: (networkId, ruleId) => {
      const rules = networks.get(networkId)!;
      rules.splice(rules.findIndex((r) => r.id === ruleId), 1);
      deleted.add(ruleId);
    },
    deleteNetwork: (networkId) => {
      networks.delete(networkId);
      deleted.add(networkId);
    },
    history,
    calls: () => server.requests.map((r) => `${r.method} ${r.path}`),
    close: () => server.close(),
  };
}
