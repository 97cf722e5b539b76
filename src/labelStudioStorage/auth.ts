/**
 * The two kinds of Label Studio API token. A legacy token goes out as `Token <t>` and never
 * expires. A personal access token (PAT) is a JWT *refresh* token: it is exchanged at
 * `POST /api/token/refresh/` for a short-lived access token sent as `Bearer <access>`,
 * exchanged again when Label Studio answers 401.
 */
export type TokenKind = "legacy" | "personal-access-token";

/** The path the official SDK (label-studio-sdk `tokens/client_ext.py`) posts the PAT to. */
export const TOKEN_REFRESH_PATH = "/api/token/refresh/";

/** A JWT is three base64url parts whose header is JSON naming an `alg`; legacy tokens are hex. */
export function tokenKind(token: string): TokenKind {
  const parts = token.split(".");
  if (parts.length !== 3) return "legacy";
  try {
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as { alg?: unknown };
    return typeof header.alg === "string" ? "personal-access-token" : "legacy";
  } catch {
    return "legacy";
  }
}

/** Exchanges the PAT for an access token; supplied by the client so it counts and retries. */
export type RefreshAccess = (pat: string) => Promise<string>;

export class TokenAuth {
  readonly kind: TokenKind;
  private access: Promise<string> | undefined;

  constructor(
    private readonly token: string,
    private readonly refresh: RefreshAccess,
  ) {
    this.kind = tokenKind(token);
  }

  /** The Authorization header for the next request. */
  async header(): Promise<string> {
    if (this.kind === "legacy") return `Token ${this.token}`;
    // One exchange shared by every request in flight.
    this.access ??= this.refresh(this.token).catch((err: unknown) => {
      this.access = undefined;
      throw err;
    });
    return `Bearer ${await this.access}`;
  }

  /**
   * After a 401 sent with `rejected`: drop that access token (unless a concurrent request
   * already replaced it). False when there is nothing to renew (legacy token).
   */
  async renew(rejected: string): Promise<boolean> {
    if (this.kind === "legacy") return false;
    if (this.access && `Bearer ${await this.access.catch(() => "")}` === rejected) this.access = undefined;
    return true;
  }
}
