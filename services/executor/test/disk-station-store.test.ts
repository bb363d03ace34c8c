import { createHash } from 'node:crypto';
import { mkdir, open, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskStationStore } from '../src/station/disk-station-store.js';
import type { StationRecord } from '../src/station/station-state.js';
import { stationRecord, tempDir } from './support/helpers.js';

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

const store = () =>
  new DiskStationStore({ dir: dir.path, fsync: false, historyLimit: 4, logger: pino({ level: 'silent' }) });

function record(id: string, blocks: number): StationRecord {
  // A shrinking payload: later records are shorter than earlier ones written to the same slot.
  const variables = (blocks < 3 ? { pad: 'x'.repeat(500) } : {}) as StationRecord['variables'];
  return stationRecord(id, { blocks, variables });
}

describe('DiskStationStore', () => {
  it('returns the latest save, across instances, for any id', async () => {
    const a = store();
    for (let b = 1; b <= 5; b++) await a.save(record('río_1/x', b));
    await a.save(record('other', 1));
    const b = store();
    const all = await b.loadIndex();
    expect(all.map((r) => [r.id, r.blocks]).sort()).toEqual([
      ['other', 1],
      ['río_1/x', 5],
    ]);
    await b.save(record('río_1/x', 6));
    expect((await store().load('río_1/x'))?.record.blocks).toBe(6);
  });

  it('falls back to the previous record when the latest write was torn', async () => {
    const a = store();
    for (let b = 1; b <= 4; b++) await a.save(record('s', b));
    const files = (await readdir(join(dir.path, 'stations'))).sort();
    // Block 4 went to slot 0 (sequence 4): tear it in the middle of its body.
    const latest = join(dir.path, 'stations', files.find((f) => f.endsWith('.0'))!);
    await truncate(latest, 30);
    const b = store();
    expect((await b.loadIndex()).map((s) => s.blocks)).toEqual([3]);
    expect((await b.load('s'))?.record.blocks).toBe(3);
    // The next save must not overwrite the surviving record.
    await b.save(record('s', 5));
    expect((await store().load('s'))?.record.blocks).toBe(5);
    const handle = await open(latest, 'r+');
    await handle.write(Buffer.from('garbage'), 0, 7, 25);
    await handle.close();
    expect((await store().load('s'))?.record.blocks).toBe(3);
  });

  it('reads the JSON slots of earlier releases, then writes its own format beside them', async () => {
    // Slot layout of "OTS2": magic, sequence (f64), summary and body lengths, their CRC-32s, summary, body.
    const old = record('s', 7);
    const summary = Buffer.from(JSON.stringify({ id: 's', blocks: 7, variables: [], updatedAt: 't' }));
    const body = Buffer.from(JSON.stringify(old));
    const header = Buffer.alloc(28);
    header.writeUInt32LE(0x3253544f, 0);
    header.writeDoubleLE(7, 4);
    header.writeUInt32LE(summary.length, 12);
    header.writeUInt32LE(body.length, 16);
    header.writeUInt32LE(crc32(summary), 20);
    header.writeUInt32LE(crc32(body), 24);
    await mkdir(join(dir.path, 'stations'), { recursive: true });
    const key = createHash('sha256').update('s').digest('hex');
    await writeFile(join(dir.path, 'stations', `${key}.1`), Buffer.concat([header, summary, body]));

    const a = store();
    expect((await a.loadIndex()).map((s) => s.blocks)).toEqual([7]);
    expect(await a.load('s')).toEqual({ record: old, version: 7 });
    await a.save(record('s', 8));
    expect((await store().load('s'))?.record.blocks).toBe(8);
    // The new record went to the other slot: the old one is still intact.
    expect((await readdir(join(dir.path, 'stations'))).sort()).toEqual([`${key}.0`, `${key}.1`]);
  });

  it('keeps a bounded history and drops uncommitted entries', async () => {
    const a = store();
    const entry = (n: number) => ({ n, block: n, variable: 'v', date: `d${n}`, score: 1 });
    await a.appendHistory('s', [entry(0), entry(1), entry(2)]);
    // A restart: entries from 2 on were never committed; the next block numbers from 2 again.
    const b = store();
    await b.appendHistory('s', [entry(2), entry(3), entry(4), entry(5)]);
    const page = await b.readHistory('s', 0, 100, 6);
    expect(page.entries.map((e) => e.date)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
    expect(await b.readHistory('s', 3, 2, 5)).toEqual({ entries: [entry(3), entry(4)], nextCursor: null });
    expect((await b.readHistory('s', 2, 1, 6)).nextCursor).toBe(3);
    // Over 1.5 × the limit (4): compacted to the last 4; numbers (cursors) stay.
    await b.appendHistory('s', [entry(6)]);
    expect((await b.readHistory('s', 0, 100, 7)).entries.map((e) => e.n)).toEqual([3, 4, 5, 6]);
  });

  it.each([
    ['a torn line', '{"n":2,"block":2,"vari'],
    ['a whole entry without its newline', '{"n":2,"block":2,"variable":"v","date":"d2","score":1}'],
  ])('appends after %s left by a crash without losing the new entries', async (_, torn) => {
    const entry = (n: number) => ({ n, block: n, variable: 'v', date: `d${n}`, score: 1 });
    await store().appendHistory('s', [entry(0), entry(1)]);
    const key = createHash('sha256').update('s').digest('hex');
    await writeFile(join(dir.path, 'history', `${key}.jsonl`), torn, { flag: 'a' });
    const b = store();
    await b.appendHistory('s', [entry(2), entry(3)]);
    expect((await b.readHistory('s', 0, 100, 4)).entries).toEqual([0, 1, 2, 3].map(entry));
  });
});
