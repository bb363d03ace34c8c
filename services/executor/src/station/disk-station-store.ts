import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { HistoryEntry, StationRecord } from './station-state.js';
import type { HistoryPage, StationStore } from './station-store.js';

export interface DiskStationStoreOptions {
  dir: string;
  /** fsync files (and their directory) before a write counts as done. */
  fsync: boolean;
  /** History entries kept per station; the file is compacted when it holds half as many again. */
  historyLimit: number;
  logger: Logger;
}

/**
 * One JSON file per station (`stations/<sha256(id)>.json`: detectors, pending timestamps, outbox), replaced
 * atomically by writing a temporary file and renaming it over the old one; and one append-only JSONL history per
 * station (`history/<sha256(id)>.jsonl`).
 *
 * Durability: rename is atomic, so a `kill -9` at any moment leaves the old or the new file, and written data sits
 * in the page cache, which survives the process. Without fsync a power loss may lose the last writes (or, on some
 * file systems, leave an empty file after the rename); STATE_FSYNC=true syncs the file before the rename and the
 * directory after it, at the cost of a disk flush per block.
 */
export class DiskStationStore implements StationStore {
  private readonly stationsDir: string;
  private readonly historyDir: string;
  /** Entries per history file, known once the file has been read (and trimmed) in this process. */
  private readonly historyCounts = new Map<string, number>();

  constructor(private readonly options: DiskStationStoreOptions) {
    this.stationsDir = join(options.dir, 'stations');
    this.historyDir = join(options.dir, 'history');
  }

  async init(): Promise<void> {
    await mkdir(this.stationsDir, { recursive: true });
    await mkdir(this.historyDir, { recursive: true });
  }

  async loadAll(): Promise<StationRecord[]> {
    await this.init();
    const names = await readdir(this.stationsDir);
    const records: StationRecord[] = [];
    for (const name of names) {
      const path = join(this.stationsDir, name);
      if (name.endsWith('.tmp')) {
        await rm(path, { force: true }); // an interrupted write: the previous file is still in place
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const record = await this.readRecord(path);
      if (record) records.push(record);
    }
    return records;
  }

  async load(id: string): Promise<StationRecord | undefined> {
    return this.readRecord(this.stationPath(id));
  }

  async save(record: StationRecord): Promise<void> {
    const path = this.stationPath(record.id);
    await this.writeAtomic(path, JSON.stringify(record));
  }

  async appendHistory(id: string, entries: readonly HistoryEntry[]): Promise<void> {
    const first = entries[0];
    if (!first) return;
    const path = this.historyPath(id);
    let count = this.historyCounts.get(id);
    if (count === undefined) {
      // First touch in this process: drop entries a crash left uncommitted (numbered from `first.n` on).
      const kept = (await this.readHistoryFile(path)).filter((e) => e.n < first.n);
      await this.writeAtomic(path, serializeHistory(kept));
      count = kept.length;
    }
    const handle = await open(path, 'a');
    try {
      await handle.write(serializeHistory(entries));
      if (this.options.fsync) await handle.datasync();
    } finally {
      await handle.close();
    }
    count += entries.length;
    if (count > this.options.historyLimit * 1.5) {
      const kept = (await this.readHistoryFile(path)).slice(-this.options.historyLimit);
      await this.writeAtomic(path, serializeHistory(kept));
      count = kept.length;
    }
    this.historyCounts.set(id, count);
  }

  async readHistory(id: string, cursor: number, limit: number, committedNext: number): Promise<HistoryPage> {
    const all = await this.readHistoryFile(this.historyPath(id));
    const visible = all.filter((e) => e.n >= cursor && e.n < committedNext);
    const entries = visible.slice(0, limit);
    const last = entries.at(-1);
    return { entries, nextCursor: visible.length > limit && last ? last.n + 1 : null };
  }

  async close(): Promise<void> {}

  private stationPath(id: string): string {
    return join(this.stationsDir, `${fileKey(id)}.json`);
  }

  private historyPath(id: string): string {
    return join(this.historyDir, `${fileKey(id)}.jsonl`);
  }

  private async readRecord(path: string): Promise<StationRecord | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as StationRecord;
    } catch (err) {
      // Only possible after a power loss without STATE_FSYNC; keep the file for inspection.
      this.options.logger.error({ err, path }, 'unreadable station file skipped');
      return undefined;
    }
  }

  /** Parses a history file; a torn last line (kill -9 mid-append, never acknowledged) is ignored. */
  private async readHistoryFile(path: string): Promise<HistoryEntry[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: HistoryEntry[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line) as HistoryEntry);
      } catch {
        // torn line
      }
    }
    return entries;
  }

  private async writeAtomic(path: string, data: string): Promise<void> {
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

/** File name for a station id: ids are arbitrary strings (`_`, `/`, unicode), so they are hashed. */
function fileKey(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function serializeHistory(entries: readonly HistoryEntry[]): string {
  let out = '';
  for (const e of entries) out += `${JSON.stringify(e)}\n`;
  return out;
}
