import { mkdir, open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { OpenFiles } from './open-files.js';
import { stationKey } from './station-key.js';
import { type HistoryEntry, type StationRecord, type StationSummary, summaryOf } from './station-state.js';
import type { HistoryPage, StationCommit, StationStore, StoredStation } from './station-store.js';

export interface DiskStationStoreOptions {
  dir: string;
  /** fsync files (and their directory) before a write counts as done. */
  fsync: boolean;
  /** History entries kept per station; the file is compacted when it holds half as many again. */
  historyLimit: number;
  /** Files kept open between writes (two slots per station, plus history files); default 4096. */
  openFiles?: number;
  logger: Logger;
  /** Only the stations whose key (stationKey) passes: `loadIndex` skips the others (a station thread's shard). */
  includes?: (key: string) => boolean;
}

/**
 * Stations on local disk. Each station has two slot files, `stations/<stationKey(id)>.0` and `.1`; a save overwrites,
 * in place, the slot that does NOT hold the latest record, with a header (magic, sequence number, lengths and
 * CRC-32s) followed by the station's summary (JSON) and its record (V8's serialization format; JSON in slots of
 * older releases, still read). Startup reads only headers and summaries (`loadIndex`), so it costs no detector
 * state; a station's record is read when it is first used. Loading takes the valid slot with the highest sequence
 * number. So a `kill -9` at any moment (even a torn write) leaves the previous record intact, and a save costs one
 * pwrite instead of the write + rename of a temporary file, which ext4 turns into a forced flush.
 * Outlier history is an append-only JSONL per station (`history/<stationKey(id)>.jsonl`), compacted to the last
 * `historyLimit` entries by a temporary file and a rename.
 *
 * A commit appends the history first, then writes the record (its outbox included) with the next sequence number,
 * which is the station's version: history entries a crash left without their record are numbered at or after the
 * record's `historyNext`, so they are never read and the next append drops them.
 *
 * Durability: written data sits in the page cache, which survives the death of the process. A power loss may lose
 * the last writes (and, if both slots were being written back, the station); STATE_FSYNC=true syncs each write
 * before it counts as done, at the cost of a disk flush per block.
 */
export class DiskStationStore implements StationStore {
  /** One process owns the directory (its threads own disjoint shards of it). */
  readonly shared = false;
  private readonly stationsDir: string;
  private readonly historyDir: string;
  /** Sequence number of the latest record per station file key (known once the station was loaded). */
  private readonly slotSeq = new Map<string, number>();
  private readonly files: OpenFiles;
  /** Entries per history file, known once the file has been read (and trimmed) in this process. */
  private readonly historyCounts = new Map<string, number>();
  private initialized: Promise<void> | undefined;

  constructor(private readonly options: DiskStationStoreOptions) {
    this.stationsDir = join(options.dir, 'stations');
    this.historyDir = join(options.dir, 'history');
    this.files = new OpenFiles(options.openFiles ?? 4096);
  }

  /** Creates the directories (once). */
  private init(): Promise<void> {
    this.initialized ??= (async () => {
      await mkdir(this.stationsDir, { recursive: true });
      await mkdir(this.historyDir, { recursive: true });
    })();
    return this.initialized;
  }

  async loadIndex(): Promise<StationSummary[]> {
    await this.init();
    const keys = new Set<string>();
    for (const name of await readdir(this.stationsDir)) {
      const m = /^([0-9a-f]{64})\.[01]$/.exec(name);
      if (m && (this.options.includes?.(m[1]!) ?? true)) keys.add(m[1]!);
    }
    const summaries: StationSummary[] = [];
    const queue = [...keys];
    // A bounded number of files open at once: enough to keep the disk busy.
    const reader = async () => {
      for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
        let best: { seq: number; summary: StationSummary } | undefined;
        for (const slot of [0, 1]) {
          const head = await readHead(join(this.stationsDir, `${key}.${slot}`));
          if (head && (!best || head.seq > best.seq)) best = head;
        }
        if (best) summaries.push(best.summary);
      }
    };
    await Promise.all(Array.from({ length: 32 }, reader));
    return summaries;
  }

  async load(id: string): Promise<StoredStation | undefined> {
    const key = stationKey(id);
    const record = await this.readSlots(key);
    return record && { record, version: this.slotSeq.get(key) ?? 0 };
  }

  async version(id: string): Promise<number> {
    const key = stationKey(id);
    if (!this.slotSeq.has(key)) await this.readSlots(key);
    return this.slotSeq.get(key) ?? 0;
  }

  async commit({ record, expectedVersion, history, outbox }: StationCommit): Promise<number | 'conflict'> {
    await this.init();
    if ((await this.version(record.id)) !== expectedVersion) return 'conflict';
    await this.appendHistory(record.id, history);
    return this.save(outbox.length > 0 ? { ...record, outbox: [...record.outbox, ...outbox] } : record);
  }

  /** Replaces the station's record atomically; answers its sequence number. */
  async save(record: StationRecord): Promise<number> {
    await this.init();
    const key = stationKey(record.id);
    // The slot to spare is the latest VALID one, which only a full read tells (the newer may be torn).
    if (!this.slotSeq.has(key)) await this.readSlots(key);
    const seq = (this.slotSeq.get(key) ?? 0) + 1;
    // Header and summary (JSON, read alone at startup) in one small pooled buffer, then the body in V8's format (4x
    // faster to write than JSON for detector state, whose values are mostly full-precision doubles, and 40 %
    // smaller), written together without copying the body.
    const summary = JSON.stringify(summaryOf(record));
    const summaryLength = Buffer.byteLength(summary, 'utf8');
    const head = Buffer.allocUnsafe(HEADER_BYTES + summaryLength);
    head.write(summary, HEADER_BYTES, 'utf8');
    const body = serialize(record);
    head.writeUInt32LE(MAGIC, 0);
    head.writeDoubleLE(seq, 4);
    head.writeUInt32LE(summaryLength, 12);
    head.writeUInt32LE(body.length, 16);
    head.writeUInt32LE(crc32(head.subarray(HEADER_BYTES)), 20);
    head.writeUInt32LE(crc32(body), 24);
    await this.files.write(join(this.stationsDir, `${key}.${seq % 2}`), [head, body], 0, this.options.fsync);
    this.slotSeq.set(key, seq);
    return seq;
  }

  /**
   * Appends history entries (numbered consecutively from `entries[0].n`). Entries numbered at or after that first
   * number that are already stored were never committed (a crash between append and save) and are discarded.
   */
  async appendHistory(id: string, entries: readonly HistoryEntry[]): Promise<void> {
    const first = entries[0];
    if (!first) return;
    await this.init();
    const path = this.historyPath(id);
    let count = this.historyCounts.get(id);
    if (count === undefined) {
      // First touch in this process: drop entries a crash left uncommitted (numbered from `first.n` on).
      const { entries: all, intact } = await this.readHistoryFile(path);
      const kept = all.filter((e) => e.n < first.n);
      // Rewritten only when a crash left something to drop: a new or intact file gets the append alone.
      if (!intact || kept.length < all.length) await this.writeAtomic(path, serializeHistory(kept));
      count = kept.length;
    }
    await this.files.write(path, [Buffer.from(serializeHistory(entries), 'utf8')], null, this.options.fsync);
    count += entries.length;
    if (count > this.options.historyLimit * 1.5) {
      const kept = (await this.readHistoryFile(path)).entries.slice(-this.options.historyLimit);
      await this.writeAtomic(path, serializeHistory(kept));
      count = kept.length;
    }
    this.historyCounts.set(id, count);
  }

  async readHistory(id: string, cursor: number, limit: number, committedNext: number): Promise<HistoryPage> {
    const all = (await this.readHistoryFile(this.historyPath(id))).entries;
    const visible = all.filter((e) => e.n >= cursor && e.n < committedNext);
    const entries = visible.slice(0, limit);
    const last = entries.at(-1);
    return { entries, nextCursor: visible.length > limit && last ? last.n + 1 : null };
  }

  async close(): Promise<void> {
    await this.files.closeAll();
  }

  private historyPath(id: string): string {
    return join(this.historyDir, `${stationKey(id)}.jsonl`);
  }

  /** The valid slot with the highest sequence number; remembers that number for the next save. */
  private async readSlots(key: string): Promise<StationRecord | undefined> {
    let best: ReturnType<typeof parseSlot>;
    for (const slot of [0, 1]) {
      const path = join(this.stationsDir, `${key}.${slot}`);
      const data = await readFile(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      const parsed = data && parseSlot(data);
      if (parsed && (!best || parsed.seq > best.seq)) best = parsed;
      else if (data && !parsed) this.options.logger.warn({ path }, 'torn or stale station slot ignored');
    }
    this.slotSeq.set(key, best?.seq ?? 0);
    if (!best) return undefined;
    return (best.json ? JSON.parse(best.body.toString('utf8')) : deserialize(best.body)) as StationRecord;
  }

  /**
   * Parses a history file; a torn last line (kill -9 mid-append, never acknowledged) is ignored. `intact`: every
   * line whole and the file ending with a newline (or empty or missing), so an append cannot extend a torn line.
   */
  private async readHistoryFile(path: string): Promise<{ entries: HistoryEntry[]; intact: boolean }> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], intact: true };
      throw err;
    }
    const entries: HistoryEntry[] = [];
    let intact = text === '' || text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line) as HistoryEntry);
      } catch {
        intact = false;
      }
    }
    return { entries, intact };
  }

  private async writeAtomic(path: string, data: string): Promise<void> {
    // An open descriptor would keep writing to the replaced file.
    await this.files.forget(path);
    const tmp = `${path}.tmp`;
    if (this.options.fsync) {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(data);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
      const dir = await open(join(path, '..'), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } else {
      await writeFile(tmp, data);
      await rename(tmp, path);
    }
  }
}

/** "OTS3": the body in V8's serialization format (v8.serialize, documented as safe to store: backward compatible). */
const MAGIC = 0x3353544f;
/** "OTS2": the body as JSON, as releases before OTS3 wrote it (still read). */
const MAGIC_JSON = 0x3253544f;
/** magic u32, sequence f64, summary length u32, body length u32, CRC-32 of the summary u32, CRC-32 of the body u32. */
const HEADER_BYTES = 28;
/** Bytes read from each slot by `loadIndex`: the header and a summary of usual size. */
const HEAD_READ_BYTES = 4096;

interface SlotHeader {
  /** The body is JSON (MAGIC_JSON), else V8's format. */
  json: boolean;
  seq: number;
  summaryLength: number;
  bodyLength: number;
  summaryCrc: number;
  bodyCrc: number;
}

function parseHeader(data: Buffer): SlotHeader | undefined {
  const magic = data.length < HEADER_BYTES ? 0 : data.readUInt32LE(0);
  if (magic !== MAGIC && magic !== MAGIC_JSON) return undefined;
  return {
    json: magic === MAGIC_JSON,
    seq: data.readDoubleLE(4),
    summaryLength: data.readUInt32LE(12),
    bodyLength: data.readUInt32LE(16),
    summaryCrc: data.readUInt32LE(20),
    bodyCrc: data.readUInt32LE(24),
  };
}

/** A slot's sequence number and record body, or undefined when it is torn (short, wrong length or checksum). */
function parseSlot(data: Buffer): { seq: number; json: boolean; body: Buffer } | undefined {
  const header = parseHeader(data);
  if (!header) return undefined;
  const bodyStart = HEADER_BYTES + header.summaryLength;
  if (bodyStart + header.bodyLength > data.length) return undefined;
  const body = data.subarray(bodyStart, bodyStart + header.bodyLength);
  if (crc32(body) !== header.bodyCrc) return undefined;
  return { seq: header.seq, json: header.json, body };
}

/** The sequence number and summary of a slot, reading only its beginning; undefined when missing or torn. */
async function readHead(path: string): Promise<{ seq: number; summary: StationSummary } | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    let data = Buffer.allocUnsafe(HEAD_READ_BYTES);
    let { bytesRead } = await handle.read(data, 0, data.length, 0);
    const header = parseHeader(data.subarray(0, bytesRead));
    if (!header) return undefined;
    const end = HEADER_BYTES + header.summaryLength;
    if (end > bytesRead && bytesRead === HEAD_READ_BYTES) {
      data = Buffer.allocUnsafe(end);
      ({ bytesRead } = await handle.read(data, 0, end, 0));
    }
    if (end > bytesRead) return undefined;
    const summary = data.subarray(HEADER_BYTES, end);
    if (crc32(summary) !== header.summaryCrc) return undefined;
    return { seq: header.seq, summary: JSON.parse(summary.toString('utf8')) as StationSummary };
  } finally {
    await handle.close();
  }
}

function serializeHistory(entries: readonly HistoryEntry[]): string {
  let out = '';
  for (const e of entries) out += `${JSON.stringify(e)}\n`;
  return out;
}
