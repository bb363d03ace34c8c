/**
 * API keys: bearer tokens grouped by what they may call. The configuration holds only SHA-256 digests of the
 * tokens (`API_KEYS=ingest:<hex>,metrics+read:<hex>`; a digest: `printf %s "$TOKEN" | sha256sum`), so a leaked
 * configuration leaks no token. Tokens are random and long, so an unsalted digest is enough to look them up.
 */
import { createHash } from 'node:crypto';

/** What a key may call: station ingest (/initialize, /detection), metric queries, reads (stations, docs). */
export const ROUTE_GROUPS = ['ingest', 'metrics', 'read'] as const;
export type RouteGroup = (typeof ROUTE_GROUPS)[number];

/** Digest → the groups its key may call. Empty: no key is required anywhere. */
export type ApiKeys = ReadonlyMap<string, ReadonlySet<RouteGroup>>;

const ENTRY = /^([a-z]+(?:\+[a-z]+)*):([0-9a-f]{64})$/;

/**
 * Parses API_KEYS (comma-separated `group[+group…]:sha256-hex` entries).
 * @throws {Error} naming the entry that is not of that form or names an unknown group.
 */
export function parseApiKeys(text: string | undefined): ApiKeys {
  const keys = new Map<string, Set<RouteGroup>>();
  for (const entry of (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = ENTRY.exec(entry.toLowerCase());
    if (!match) throw new Error(`API_KEYS: "${entry}" is not group[+group…]:<64 hex digits of SHA-256>`);
    const groups = match[1]!.split('+');
    const unknown = groups.find((g) => !(ROUTE_GROUPS as readonly string[]).includes(g));
    if (unknown) throw new Error(`API_KEYS: unknown group "${unknown}" (groups: ${ROUTE_GROUPS.join(', ')})`);
    const known = keys.get(match[2]!) ?? new Set<RouteGroup>();
    for (const g of groups) known.add(g as RouteGroup);
    keys.set(match[2]!, known);
  }
  return keys;
}

/** The digest of the request's bearer token, or undefined when it sends none. */
export function bearerDigest(authorization: string | undefined): string | undefined {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return token === undefined ? undefined : createHash('sha256').update(token).digest('hex');
}
