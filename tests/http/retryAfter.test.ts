import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../src/http/retryAfter";

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP dates, ignores junk", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
