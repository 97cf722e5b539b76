import type * as ipaddrTypes from "ipaddr.js";
import { hasName, tagged } from "../taggedError";

type CidrError = Error & { name: "CidrError" };

/** A CIDR the firewall would reject or misread; the message says how to fix it. */
export function cidrError(message: string): CidrError {
  return tagged<CidrError>("CidrError", message, {});
}

export function isCidrError(err: unknown): err is CidrError {
  return hasName<CidrError>(err, "CidrError");
}

export interface NormaliseOptions {
  /** Permit 0.0.0.0/0 and ::/0 (the whole internet). Off unless someone asks for it explicitly. */
  allowAnyAddress?: boolean;
}

/**
 * Validates and canonicalises one firewall CIDR: a bare address becomes /32 or /128, IPv6 is
 * written in RFC 5952 form. Host bits set ("10.0.0.5/24") are an error rather than silently
 * widened to the network: in an allowlist, a typo should not open a /24.
 */
export function normaliseCidr(input: string, options: NormaliseOptions = {}): string {
  // Required on first use, keeping the CLI's start-up light.
  const ipaddr = require("ipaddr.js") as typeof ipaddrTypes;
  const text = input.trim();
  const [addressText, prefixText, ...rest] = text.split("/");
  if (rest.length > 0 || addressText === "") throw cidrError(`"${input}" is not a CIDR (expected e.g. 203.0.113.7/32 or 2001:db8::/48)`);
  const v4 = ipaddr.IPv4.isValidFourPartDecimal(addressText);
  if (!v4 && !ipaddr.IPv6.isValid(addressText)) throw cidrError(`"${input}" is not an IPv4 or IPv6 address`);
  const address = ipaddr.parse(addressText);
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddrTypes.IPv6;
    if (v6.zoneId !== undefined) throw cidrError(`"${input}" has an IPv6 zone id, which a firewall rule cannot use`);
    if (v6.isIPv4MappedAddress()) throw cidrError(`"${input}" is an IPv4-mapped IPv6 address; write the IPv4 form (${v6.toIPv4Address().toString()})`);
  }
  const maxPrefix = v4 ? 32 : 128;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) throw cidrError(`"${input}" has an invalid prefix length`);
  if (prefix > maxPrefix) throw cidrError(`"${input}": prefix length must be at most ${maxPrefix}`);
  const network = v4
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
  const canonicalAddress = v4 ? address.toString() : (address as ipaddrTypes.IPv6).toRFC5952String();
  const canonicalNetwork = v4 ? network.toString() : (network as ipaddrTypes.IPv6).toRFC5952String();
  if (canonicalNetwork !== canonicalAddress) {
    throw cidrError(`"${input}" has host bits set: use ${canonicalNetwork}/${prefix} for the network, or ${canonicalAddress}/${maxPrefix} for the single host`);
  }
  if (prefix === 0 && !options.allowAnyAddress) {
    throw cidrError(`"${input}" allows every address; refused unless allowAnyAddress is set explicitly`);
  }
  return `${canonicalNetwork}/${prefix}`;
}

/** True when two normalised CIDRs share any address (the API refuses overlapping rules). */
export function cidrsOverlap(a: string, b: string): boolean {
  const ipaddr = require("ipaddr.js") as typeof ipaddrTypes;
  const [na, pa] = ipaddr.parseCIDR(a);
  const [nb, pb] = ipaddr.parseCIDR(b);
  if (na.kind() !== nb.kind()) return false;
  // The shorter prefix is the wider range: they overlap iff the narrower network lies inside it.
  // Stryker disable next-line EqualityOperator: for equal prefix lengths both branches compare the same bits.
  return pa <= pb ? nb.match(na, pa) : na.match(nb, pb);
}

/** Deterministic order for CIDR lists (IPv4 before IPv6, then by text), independent of locale. */
export function compareCidrs(a: string, b: string): number {
  const kind = (c: string) => (c.includes(":") ? 1 : 0);
  return kind(a) - kind(b) || (a < b ? -1 : a > b ? 1 : 0);
}
