/** What every redacted secret becomes in messages, logs and errors. */
export const REDACTED = "[redacted]";

const WORD = "A-Za-z0-9_";
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Masks secrets in `text`, as whole tokens only: a secret is masked where it stands on its own
 * (not inside a longer word or number), and so is its percent-encoded form. Masking inside words
 * would turn the output into an oracle: with the password "p", "accepts" would print as
 * "acce[redacted]ts". The password of any URL with user info (`scheme://user:password@`) is
 * masked too, known or not.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set(secrets.flatMap((s) => [s, encodeURIComponent(s)]).filter((s) => s.length > 0));
  // Longest first, so a secret that contains another is masked whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    const before = new RegExp(`[${WORD}]`).test(form[0]!) ? `(?<![${WORD}])` : "";
    const after = new RegExp(`[${WORD}]`).test(form[form.length - 1]!) ? `(?![${WORD}])` : "";
    out = out.replace(new RegExp(`${before}${escape(form)}${after}`, "g"), REDACTED);
  }
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`);
}

/**
 * The password of a database URL, in every reading a parser might make of it (up to the first
 * or the last `@`, as written or percent-decoded), so even a malformed URL's password is known.
 * Found wherever `://user:` stands, and across line breaks: node-postgres (a WHATWG URL parser)
 * connects with a URL pasted with blanks around it or a trailing newline, so its password is
 * found there too.
 */
export function urlPasswords(url: string): string[] {
  const match = /:\/\/[^:/@?#]*:(.*)/s.exec(url.split("?")[0]!);
  // No "@" after the user name: the colon was the port's, and there is no password.
  if (!match || !match[1]!.includes("@")) return [];
  const rest = match[1]!;
  const candidates = [rest.slice(0, rest.indexOf("@")), rest.slice(0, rest.lastIndexOf("@"))].filter((c) => c.length > 0);
  const decoded = candidates.map((c) => {
    try {
      return decodeURIComponent(c);
    } catch {
      return c;
    }
  });
  return [...new Set([...candidates, ...decoded])];
}
