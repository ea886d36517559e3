// The push channel's check of where it really connects (DNS rebinding). The endpoint policy checked the
// host as written when the subscription was stored; a public-looking name can resolve to 127.0.0.1 or
// 10.x later (or at once: 127.0.0.1.nip.io). Here every address the name resolves to at send time must be
// public, else the request fails before any connection is made, with the address and why it is refused.
import dns, { type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { nonPublicAddressReason } from './endpoint-policy.ts';
import { PUSH_LOCAL_CODES } from './push-errors.ts';

/** Code of the refusal (a permanent failure of the delivery; the subscription is kept). */
export const NON_PUBLIC_ADDRESS = PUSH_LOCAL_CODES.nonPublicAddress;

export class NonPublicAddressError extends Error {
  readonly code = NON_PUBLIC_ADDRESS;
  readonly host: string;
  readonly address: string;
  constructor(host: string, address: string, reason: string) {
    super(
      host === address
        ? `push endpoint address ${address} is not public (${reason}); refused`
        : `push endpoint host ${host} resolves to ${address}, which is not public (${reason}); refused (DNS rebinding?)`,
    );
    this.name = 'NonPublicAddressError';
    this.host = host;
    this.address = address;
  }
}

/** A system-resolver-like lookup: (hostname, { all: true }) → every address. */
export type Resolver = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, options, callback) => dns.lookup(hostname, options, callback);

export interface ConnectGuard {
  /** For https.request's `lookup`: resolves, then refuses when any address is not public. */
  readonly lookup: LookupFunction;
  /** For an endpoint whose host is an IP literal (no lookup happens): the refusal, or undefined. */
  checkLiteral(hostname: string): NonPublicAddressError | undefined;
}

/**
 * `allowed`: addresses and CIDR ranges (e.g. 10.20.0.5, 10.20.0.0/16, fd00::/8) that may be connected to
 * although they are not public: a push service on a private network, or the tests' loopback service.
 */
export function createConnectGuard(
  allowed: readonly string[] = [],
  resolve: Resolver = systemResolver,
): ConnectGuard {
  const allowList = allowedAddressList(allowed);
  const refusal = (host: string, address: string): NonPublicAddressError | undefined => {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (allowList?.check(address, family)) return undefined;
    const reason = nonPublicAddressReason(address);
    return reason === undefined ? undefined : new NonPublicAddressError(host, address, reason);
  };
  const lookup = ((hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, options.all ? [] : '', 0);
      for (const a of addresses) {
        const refused = refusal(hostname, a.address);
        if (refused) return callback(refused, options.all ? [] : '', 0);
      }
      const first = addresses[0];
      if (options.all) return callback(null, addresses);
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
  return {
    lookup,
    checkLiteral(hostname) {
      const ip = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
      return isIP(ip) === 0 ? undefined : refusal(ip, ip);
    },
  };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** Problems with allow-list entries (each an IP address or CIDR range), for the configuration check. */
export function allowedAddressProblems(entries: readonly string[]): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    const [ip = '', prefix, extra] = entry.split('/');
    const family = isIP(ip);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max))
    ) {
      problems.push(`"${entry}" is not an IP address or CIDR range (e.g. 10.20.0.5 or 10.20.0.0/16)`);
    }
  }
  return problems;
}

function allowedAddressList(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const problems = allowedAddressProblems(entries);
  if (problems.length > 0) throw new Error(`allowed push addresses: ${problems.join('; ')}`);
  const list = new BlockList();
  for (const entry of entries) {
    const [ip = '', prefix] = entry.split('/');
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(prefix), family);
  }
  return list;
}
