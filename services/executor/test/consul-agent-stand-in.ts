/**
 * A Consul agent stand-in for tests (no Consul binary can be installed here). It follows Consul's agent HTTP API
 * for what executors use: `PUT /v1/agent/service/register` (PascalCase body with `Check.HTTP` and `Check.Interval`),
 * `PUT /v1/agent/service/deregister/:id`, `GET /v1/agent/services`, `GET /v1/agent/checks` and
 * `GET /v1/health/service/:name[?passing]`. Like a real agent it runs each registered HTTP check at its interval
 * (a 2xx answer is "passing", anything else "critical"), so tests see dead executors leave the healthy set.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface RegisteredService {
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  Port: number;
  Check?: { Name?: string; HTTP?: string; Interval?: string; DeregisterCriticalServiceAfter?: string };
}

interface CheckState {
  status: 'passing' | 'critical';
  output: string;
  timer: NodeJS.Timeout;
}

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`invalid duration ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export class ConsulAgentStandIn {
  readonly services = new Map<string, RegisteredService>();
  readonly checks = new Map<string, CheckState>();
  /** Every request received, for assertions on what the client sent. */
  readonly requests: { method: string; url: string; body?: unknown }[] = [];
  /** How long a registration waits before it is applied and answered (a slow agent). */
  registerDelayMs = 0;
  private server: Server | undefined;

  async start(): Promise<{ host: string; port: number }> {
    this.server = createServer((req, res) => {
      this.handle(req)
        .then(({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(body === undefined ? '' : JSON.stringify(body));
        })
        .catch((error: Error) => {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(error.message);
        });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return { host: '127.0.0.1', port: (this.server.address() as AddressInfo).port };
  }

  async stop(): Promise<void> {
    for (const check of this.checks.values()) clearInterval(check.timer);
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** What an agent restarted without its data directory knows: no services, no checks. */
  forgetAll(): void {
    for (const check of this.checks.values()) clearInterval(check.timer);
    this.checks.clear();
    this.services.clear();
  }

  /** Healthy instances of a service, as `GET /v1/health/service/:name?passing` reports them. */
  passing(name: string): RegisteredService[] {
    return [...this.services.values()].filter(
      (s) => s.Service === name && this.checks.get(s.ID)?.status !== 'critical',
    );
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const url = new URL(req.url ?? '/', 'http://agent');
    const body = req.method === 'PUT' && url.pathname.endsWith('/register') ? await readJson(req) : undefined;
    this.requests.push({ method: req.method ?? '', url: url.pathname + url.search, body });

    if (req.method === 'PUT' && url.pathname === '/v1/agent/service/register') {
      await new Promise((r) => setTimeout(r, this.registerDelayMs));
      this.register(body as Record<string, unknown>);
      return { status: 200 };
    }
    const deregister = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(url.pathname);
    if (req.method === 'PUT' && deregister) {
      const id = decodeURIComponent(deregister[1]!);
      if (!this.services.has(id)) return { status: 404, body: `Unknown service ID "${id}"` };
      this.remove(id);
      return { status: 200 };
    }
    if (req.method === 'GET' && url.pathname === '/v1/agent/services') {
      return { status: 200, body: Object.fromEntries(this.services) };
    }
    if (req.method === 'GET' && url.pathname === '/v1/agent/checks') {
      const checks = [...this.checks].map(([id, c]) => [
        `service:${id}`,
        { CheckID: `service:${id}`, ServiceID: id, Status: c.status, Output: c.output },
      ]);
      return { status: 200, body: Object.fromEntries(checks) };
    }
    const health = /^\/v1\/health\/service\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && health) {
      const name = decodeURIComponent(health[1]!);
      const all = [...this.services.values()].filter((s) => s.Service === name);
      const list = url.searchParams.has('passing') ? this.passing(name) : all;
      return {
        status: 200,
        body: list.map((s) => ({
          Service: s,
          Checks: [{ CheckID: `service:${s.ID}`, Status: this.checks.get(s.ID)?.status ?? 'passing' }],
        })),
      };
    }
    return { status: 404, body: 'not found' };
  }

  private register(body: Record<string, unknown>): void {
    const service: RegisteredService = {
      ID: String(body.ID ?? body.Name),
      Service: String(body.Name),
      Tags: (body.Tags as string[]) ?? [],
      Address: String(body.Address ?? ''),
      Port: Number(body.Port ?? 0),
      Check: body.Check as RegisteredService['Check'],
    };
    if (!body.Name) throw new Error('Missing service name');
    this.remove(service.ID);
    this.services.set(service.ID, service);
    const check = service.Check;
    if (check?.HTTP && check.Interval) {
      const state: CheckState = {
        status: 'critical',
        output: 'not yet run',
        timer: setInterval(() => void this.runCheck(service.ID, check.HTTP!), parseDuration(check.Interval)),
      };
      this.checks.set(service.ID, state);
      void this.runCheck(service.ID, check.HTTP);
    }
  }

  private async runCheck(id: string, url: string): Promise<void> {
    const state = this.checks.get(id);
    if (!state) return;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      state.status = res.ok ? 'passing' : 'critical';
      state.output = `HTTP GET ${url}: ${res.status}`;
    } catch (error) {
      state.status = 'critical';
      state.output = (error as Error).message;
    }
  }

  private remove(id: string): void {
    const check = this.checks.get(id);
    if (check) clearInterval(check.timer);
    this.checks.delete(id);
    this.services.delete(id);
  }
}
