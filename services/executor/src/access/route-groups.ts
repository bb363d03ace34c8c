/**
 * Which group of API keys each route belongs to, in one table, so a new route cannot slip through unnoticed: the
 * access-control test checks every registered route against it. Health checks stay open (Consul and load
 * balancers call them without keys).
 */
import type { RouteGroup } from './api-keys.js';

export type RouteAccess = RouteGroup | 'open';

const ROUTES: Record<string, RouteAccess> = {
  'POST /initialize': 'ingest',
  'POST /detection': 'ingest',
  'POST /api/v1/outliers': 'metrics',
  'POST /calculate': 'metrics',
  'GET /stations': 'read',
  'GET /stations/:id': 'read',
  'GET /stations/:id/outliers': 'read',
  'GET /metrics': 'read',
  'GET /health': 'open',
  'GET /ready': 'open',
};

/**
 * @param url the route's pattern (`request.routeOptions.url`), undefined for a request no route matched.
 * @returns the route's group; the OpenAPI pages are reads; undefined for a route not in the table.
 */
export function routeAccess(method: string, url: string | undefined): RouteAccess | undefined {
  if (url === undefined) return undefined;
  if (url === '/docs' || url.startsWith('/docs/')) return 'read';
  return ROUTES[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
