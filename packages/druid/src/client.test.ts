import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DruidClient } from './client.js';
import { DruidRequestError, DruidTimeoutError } from './errors.js';
import {
  answerWith,
  type DruidStandIn,
  redborderFixture,
  startDruidStandIn,
} from './testing/druid-stand-in.js';

const query = { queryType: 'timeseries', dataSource: 'rb_flow', intervals: ['2024-01-01/2024-01-02'] };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});

async function setup(responder = answerWith(redborderFixture('druid_bytes_239x1h'))) {
  const druid: DruidStandIn = await startDruidStandIn(responder);
  const client = new DruidClient({ url: druid.url, timeoutMs: 500, retries: 2, retryDelayMs: 5 });
  cleanup.push(
    () => client.close(),
    () => druid.close(),
  );
  return { druid, client };
}

describe('DruidClient', () => {
  it('posts the query to /druid/v2/ and returns the parsed answer', async () => {
    const { druid, client } = await setup();
    await expect(client.query(query)).resolves.toEqual(redborderFixture('druid_bytes_239x1h'));
    expect(druid.queries).toEqual([query]);
  });

  it('returns the answer as its text, unparsed, with the same retries', async () => {
    const { druid, client } = await setup((_, n) =>
      n < 1 ? { status: 503, body: { error: 'busy' } } : { body: redborderFixture('druid_bytes_239x1h') },
    );
    const text = await client.queryText(query);
    expect(typeof text).toBe('string');
    expect(JSON.parse(text)).toEqual(redborderFixture('druid_bytes_239x1h'));
    expect(druid.queries).toHaveLength(2);
  });

  it('retries 5xx answers and succeeds when the broker recovers', async () => {
    const { druid, client } = await setup((_, n) =>
      n < 2 ? { status: 503, body: { error: 'busy' } } : { body: [] },
    );
    await expect(client.query(query)).resolves.toEqual([]);
    expect(druid.queries).toHaveLength(3);
  });

  it('gives up after the bounded retries with the last status', async () => {
    const { druid, client } = await setup(() => ({ status: 500, body: { error: 'boom' } }));
    const error = await client.query(query).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DruidRequestError);
    expect(error).toMatchObject({ status: 500, attempts: 3 });
    expect(druid.queries).toHaveLength(3);
  });

  it('does not retry a 4xx (the query itself is wrong)', async () => {
    const { druid, client } = await setup(() => ({ status: 400, body: { error: 'Unknown datasource' } }));
    await expect(client.query(query)).rejects.toMatchObject({ status: 400, attempts: 1 });
    expect(druid.queries).toHaveLength(1);
  });

  it('retries a dropped connection', async () => {
    const { druid, client } = await setup((_, n) => (n === 0 ? { hangUp: true } : { body: [] }));
    await expect(client.query(query)).resolves.toEqual([]);
    expect(druid.queries).toHaveLength(2);
  });

  it('reports an unreachable broker as a request failure after retries', async () => {
    const port = await freePort();
    const client = new DruidClient({ url: `http://127.0.0.1:${port}`, retries: 1, retryDelayMs: 1 });
    cleanup.push(() => client.close());
    await expect(client.query(query)).rejects.toMatchObject({ name: 'DruidRequestError', attempts: 2 });
  });

  it('times out slow answers without retrying them', async () => {
    const { druid, client } = await setup(() => ({ body: [], delayMs: 2000 }));
    const started = Date.now();
    await expect(client.query(query)).rejects.toBeInstanceOf(DruidTimeoutError);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(druid.queries).toHaveLength(1);
  });

  it('treats a non-JSON success as a failure', async () => {
    const { client } = await setup(() => ({ body: '<html>proxy</html>' }));
    await expect(client.query(query)).rejects.toBeInstanceOf(DruidRequestError);
  });

  it('accepts base URLs with a path', () => {
    expect(new DruidClient({ url: 'http://broker:8082/proxy' }).endpoint).toBe(
      'http://broker:8082/proxy/druid/v2/',
    );
    expect(new DruidClient({ url: 'http://broker:8082/' }).endpoint).toBe('http://broker:8082/druid/v2/');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
