/**
 * Content as far as it matters for "was this file edited": a BOM, CRLF line endings, trailing
 * spaces and trailing blank lines come and go with editors and git settings, so they are ignored.
 */
export function normaliseSql(content: string): string {
  return content
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n+$/, "");
}

/** sha256 (hex) of the normalised content. */
export function checksum(content: string): string {
  // Required on first use, keeping the CLI's start-up light.
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(normaliseSql(content), "utf8").digest("hex");
}
