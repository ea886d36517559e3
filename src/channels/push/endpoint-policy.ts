// Which push subscriptions kigen accepts (for the subscribe API). The original accepted any endpoint URL,
// which let anyone who can subscribe make the batch POST to internal addresses (SSRF).
//
// This is a pure check of the endpoint as written: it does not resolve DNS. A public-looking name that resolves
// to a private address (e.g. 127.0.0.1.nip.io, or DNS rebinding) passes here; closing that needs a check of the
// resolved address at connect time (see nonPublicAddressReason, usable from a custom `lookup`).
// The push channel does not apply this policy: it sends to what was accepted, and its tests use 127.0.0.1.
import { ECDH } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

/** A subscription as the browser's PushSubscription.toJSON() gives it. */
export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export type PushSubscriptionCheck = { ok: true } | { ok: false; problems: string[] };

/** Longest endpoint accepted, in characters. Real endpoints (FCM, Mozilla, Apple, WNS) stay well under 1,000. */
export const MAX_ENDPOINT_LENGTH = 2048;
const P256DH_BYTES = 65;
const AUTH_BYTES = 16;

/** Every problem with a subscription, at once; `{ ok: true }` when it may be stored. */
export function checkPushSubscription(input: PushSubscriptionInput): PushSubscriptionCheck {
  const candidate = input as Partial<{
    endpoint: unknown;
    keys: Partial<Record<'p256dh' | 'auth', unknown>>;
  }>;
  const problems = [...checkPushEndpoint(candidate.endpoint)];
  const keys = typeof candidate.keys === 'object' && candidate.keys !== null ? candidate.keys : {};
  const p256dh = decodeKey(keys.p256dh);
  if (p256dh === undefined) {
    problems.push('keys.p256dh: must be a base64url string');
  } else if (p256dh.length !== P256DH_BYTES || p256dh[0] !== 0x04) {
    problems.push(
      `keys.p256dh: must decode to a 65-byte uncompressed P-256 point (got ${p256dh.length} bytes)`,
    );
  } else if (!isP256Point(p256dh)) {
    problems.push('keys.p256dh: is not a point on the P-256 curve');
  }
  const auth = decodeKey(keys.auth);
  if (auth === undefined) {
    problems.push('keys.auth: must be a base64url string');
  } else if (auth.length !== AUTH_BYTES) {
    problems.push(`keys.auth: must decode to 16 bytes (got ${auth.length})`);
  }
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

/** Problems with an endpoint URL: https, bounded, no credentials, default port, a public host. */
export function checkPushEndpoint(endpoint: unknown): string[] {
  if (typeof endpoint !== 'string' || endpoint === '') return ['endpoint: must be a non-empty string'];
  if (endpoint.length > MAX_ENDPOINT_LENGTH) {
    return [`endpoint: longer than ${MAX_ENDPOINT_LENGTH} characters`];
  }
  // Printable ASCII only, and no backslash: parsers disagree about those (WHATWG URL vs url.parse, which
  // web-push uses), and a disagreement about the host is how SSRF filters get bypassed.
  if (!/^[\x21-\x7e]+$/.test(endpoint) || endpoint.includes('\\')) {
    return ['endpoint: must be printable ASCII without spaces or backslashes'];
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return ['endpoint: is not a valid URL'];
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:') problems.push(`endpoint: must use https (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '') problems.push('endpoint: must not contain credentials');
  // Push services all listen on 443; other ports on a public host only widen what the batch can be aimed at.
  if (url.port !== '') problems.push(`endpoint: must use the default https port (got ${url.port})`);
  const hostProblem = nonPublicHostReason(url.hostname);
  if (hostProblem !== undefined)
    problems.push(`endpoint: host ${url.hostname} is not public (${hostProblem})`);
  return problems;
}

/**
 * Why a URL hostname (as WHATWG URL normalizes it: decimal/octal/hex/short IPv4 forms become dotted quads,
 * IPv6 is bracketed and compressed) is not a public internet host, or undefined when it looks public.
 */
export function nonPublicHostReason(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const ip = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(ip) !== 0) return nonPublicAddressReason(ip);
  return nonPublicNameReason(host);
}

/** Why an IP address (v4 or v6, no brackets) is not publicly routable, or undefined when it is. */
export function nonPublicAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return firstMatch(rules().v4, address, 'ipv4');
  if (family !== 6) return 'not an IP address';
  const embedded = embeddedIPv4(address);
  if (embedded !== undefined) {
    // The IPv4 inside says where the packets really go; none of these forms is a legitimate push endpoint.
    const inner = nonPublicAddressReason(embedded.ipv4);
    return `${embedded.form} ${embedded.ipv4}${inner === undefined ? '' : `, ${inner}`}`;
  }
  const reason = firstMatch(rules().v6, address, 'ipv6');
  if (reason !== undefined) return reason;
  return rules().globalUnicast.check(address, 'ipv6')
    ? undefined
    : 'reserved (outside global unicast 2000::/3)';
}

const SPECIAL_NAMES: ReadonlyMap<string, string> = new Map([
  ['metadata.google.internal', 'cloud metadata'],
  ['metadata.goog', 'cloud metadata'],
  ['metadata', 'cloud metadata'],
  ['instance-data', 'cloud metadata'],
]);

/** Special-use or private-use top-level names (RFC 6761, RFC 6762, RFC 8375, RFC 9476, ICANN .internal). */
const NON_PUBLIC_TLDS: ReadonlyMap<string, string> = new Map([
  ['localhost', 'loopback'],
  ['local', 'multicast DNS'],
  ['internal', 'private-use name'],
  ['localdomain', 'private-use name'],
  ['lan', 'private-use name'],
  ['home', 'private-use name'],
  ['corp', 'private-use name'],
  ['intranet', 'private-use name'],
  ['private', 'private-use name'],
  ['test', 'special-use name'],
  ['example', 'special-use name'],
  ['invalid', 'special-use name'],
  ['onion', 'special-use name'],
  ['alt', 'special-use name'],
  ['arpa', 'infrastructure name'],
]);

function nonPublicNameReason(host: string): string | undefined {
  const special = SPECIAL_NAMES.get(host);
  if (special !== undefined) return special;
  const labels = host.split('.');
  if (host.length > 253 || !labels.every((label) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(label))) {
    return 'not a valid DNS name';
  }
  if (host === 'home.arpa' || host.endsWith('.home.arpa')) return 'private-use name';
  const tld = labels[labels.length - 1] ?? '';
  const reason = NON_PUBLIC_TLDS.get(tld);
  if (reason !== undefined) return reason;
  if (labels.length < 2) return 'single-label name, resolved inside the local network';
  // The last label of a real name is never all digits (WHATWG URL already turned numeric hosts into IPs).
  if (/^\d+$/.test(tld)) return 'not a valid DNS name';
  return undefined;
}

interface Rule {
  label: string;
  list: BlockList;
}

interface Rules {
  v4: Rule[];
  v6: Rule[];
  globalUnicast: BlockList;
}

// Order matters: the first matching rule names the reason (metadata before link-local, and so on).
const IPV4_RULES: ReadonlyArray<readonly [string, number, string]> = [
  ['169.254.169.254', 32, 'cloud metadata'],
  ['169.254.170.2', 32, 'cloud metadata'],
  ['100.100.100.200', 32, 'cloud metadata'],
  ['0.0.0.0', 8, '"this network" 0.0.0.0/8'],
  ['10.0.0.0', 8, 'private 10.0.0.0/8'],
  ['100.64.0.0', 10, 'shared address space (CGNAT) 100.64.0.0/10'],
  ['127.0.0.0', 8, 'loopback 127.0.0.0/8'],
  ['169.254.0.0', 16, 'link-local 169.254.0.0/16'],
  ['172.16.0.0', 12, 'private 172.16.0.0/12'],
  ['192.0.0.0', 24, 'IETF protocol assignments 192.0.0.0/24'],
  ['192.0.2.0', 24, 'documentation 192.0.2.0/24'],
  ['192.88.99.0', 24, '6to4 relay anycast 192.88.99.0/24'],
  ['192.168.0.0', 16, 'private 192.168.0.0/16'],
  ['198.18.0.0', 15, 'benchmarking 198.18.0.0/15'],
  ['198.51.100.0', 24, 'documentation 198.51.100.0/24'],
  ['203.0.113.0', 24, 'documentation 203.0.113.0/24'],
  ['224.0.0.0', 4, 'multicast 224.0.0.0/4'],
  ['240.0.0.0', 4, 'reserved 240.0.0.0/4'],
];

const IPV6_RULES: ReadonlyArray<readonly [string, number, string]> = [
  ['fd00:ec2::254', 128, 'cloud metadata'],
  ['::', 128, 'unspecified ::'],
  ['::1', 128, 'loopback ::1'],
  ['100::', 64, 'discard-only 100::/64'],
  ['2001:db8::', 32, 'documentation 2001:db8::/32'],
  ['2001::', 23, 'IETF protocol assignments 2001::/23 (Teredo and others)'],
  ['2002::', 16, '6to4 2002::/16'],
  ['3fff::', 20, 'documentation 3fff::/20'],
  ['5f00::', 16, 'SRv6 SIDs 5f00::/16'],
  ['fc00::', 7, 'unique-local fc00::/7'],
  ['fe80::', 10, 'link-local fe80::/10'],
  ['fec0::', 10, 'site-local fec0::/10'],
  ['ff00::', 8, 'multicast ff00::/8'],
];

let cachedRules: Rules | undefined;

/** Built on first use, so importing this module does no work. */
function rules(): Rules {
  if (cachedRules === undefined) {
    const toRules = (table: typeof IPV4_RULES, family: 'ipv4' | 'ipv6'): Rule[] =>
      table.map(([network, prefix, label]) => {
        const list = new BlockList();
        list.addSubnet(network, prefix, family);
        return { label, list };
      });
    const globalUnicast = new BlockList();
    globalUnicast.addSubnet('2000::', 3, 'ipv6');
    cachedRules = { v4: toRules(IPV4_RULES, 'ipv4'), v6: toRules(IPV6_RULES, 'ipv6'), globalUnicast };
  }
  return cachedRules;
}

function firstMatch(list: readonly Rule[], address: string, family: 'ipv4' | 'ipv6'): string | undefined {
  return list.find((rule) => rule.list.check(address, family))?.label;
}

/**
 * IPv6 forms that carry an IPv4 address: IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96 (deprecated),
 * IPv4-translated ::ffff:0:0:0/96, and NAT64 64:ff9b::/96 and 64:ff9b:1::/48.
 */
function embeddedIPv4(address: string): { form: string; ipv4: string } | undefined {
  const words = ipv6Words(address);
  const last32 = `${(words[6] ?? 0) >> 8}.${(words[6] ?? 0) & 0xff}.${(words[7] ?? 0) >> 8}.${(words[7] ?? 0) & 0xff}`;
  const zeroUpTo = (n: number): boolean => words.slice(0, n).every((word) => word === 0);
  if (zeroUpTo(5) && words[5] === 0xffff) return { form: 'IPv4-mapped', ipv4: last32 };
  if (zeroUpTo(4) && words[4] === 0xffff && words[5] === 0) return { form: 'IPv4-translated', ipv4: last32 };
  // ::/96 minus :: and ::1, which the table names more precisely.
  if (zeroUpTo(6) && ((words[6] ?? 0) !== 0 || (words[7] ?? 0) > 1))
    return { form: 'IPv4-compatible', ipv4: last32 };
  if (words[0] === 0x64 && words[1] === 0xff9b) {
    if (words.slice(2, 6).every((word) => word === 0)) return { form: 'NAT64', ipv4: last32 };
    if (words[2] === 1) return { form: 'local-use NAT64', ipv4: last32 };
  }
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (valid per isIP), expanding '::' and a dotted IPv4 tail. */
function ipv6Words(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function decodeKey(value: unknown): Buffer | undefined {
  // Browsers give unpadded base64url; tolerate '=' padding, reject anything Buffer would silently skip.
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return undefined;
  return Buffer.from(value, 'base64url');
}

function isP256Point(bytes: Buffer): boolean {
  try {
    ECDH.convertKey(bytes, 'prime256v1');
    return true;
  } catch {
    return false;
  }
}
