import { close, fdatasync, fstatSync, ftruncateSync, open, writev, writevSync } from 'node:fs';
import { promisify } from 'node:util';

const openAsync = promisify(open);
const closeAsync = promisify(close);
const writevAsync = promisify(writev);
const fdatasyncAsync = promisify(fdatasync);

interface OpenFile {
  fd: number;
  /** Writes under way; a file in use is never closed. */
  users: number;
}

/**
 * Keeps up to `limit` files open for writing, least recently used closed first, so a block's state write costs one
 * `pwrite` instead of open + write + close (three thread-pool round trips). Callers must not write one path
 * concurrently (the station queue serialises them). Raw descriptors with callback `fs` calls: FileHandle objects
 * cost an allocation and a finaliser each.
 *
 * A write that need not reach the disk (no `sync`) is made synchronously: it only copies into the page cache, which
 * costs less than a round trip through the thread pool. Writes with `sync` wait for the disk, so they stay off the
 * calling thread.
 */
export class OpenFiles {
  private readonly files = new Map<string, OpenFile>();

  constructor(private readonly limit: number) {}

  /**
   * Writes all of `data` at `position` (in place), creating the file if missing; null appends. A write the disk cannot
   * take whole (ENOSPC after part of it) throws; an append is then cut back to where it began, so no torn line
   * stays behind for the next append to follow.
   */
  async write(path: string, data: Buffer[], position: number | null, sync: boolean): Promise<void> {
    const file = await this.acquire(path, position === null ? 'a' : 'r+');
    const appendAt = position === null ? fstatSync(file.fd).size : undefined;
    try {
      await writeAll(file.fd, data, position, sync);
      if (sync) await fdatasyncAsync(file.fd);
    } catch (error) {
      if (appendAt !== undefined) ftruncateSync(file.fd, appendAt);
      throw error;
    } finally {
      file.users--;
      this.trim();
    }
  }

  /** Closes `path` if open (before it is replaced by a rename, so later writes reach the new file). */
  async forget(path: string): Promise<void> {
    const file = this.files.get(path);
    if (!file) return;
    this.files.delete(path);
    await closeAsync(file.fd);
  }

  async closeAll(): Promise<void> {
    const fds = [...this.files.values()].map((f) => f.fd);
    this.files.clear();
    await Promise.all(fds.map((fd) => closeAsync(fd)));
  }

  private async acquire(path: string, flags: 'r+' | 'a'): Promise<OpenFile> {
    let file = this.files.get(path);
    if (file) {
      // Most recently used last.
      this.files.delete(path);
      this.files.set(path, file);
    } else {
      const fd = await openAsync(path, flags).catch((err: NodeJS.ErrnoException) => {
        // 'r+' keeps the blocks of an existing slot (no truncate, so ext4 forces no flush); create it if missing.
        if (err.code === 'ENOENT' && flags === 'r+') return openAsync(path, 'w');
        throw err;
      });
      // Another write may have opened it meanwhile (only across paths in practice; keep one descriptor).
      file = this.files.get(path);
      if (file) void closeAsync(fd);
      else {
        file = { fd, users: 0 };
        this.files.set(path, file);
      }
    }
    file.users++;
    return file;
  }

  private trim(): void {
    if (this.files.size <= this.limit) return;
    for (const [path, file] of this.files) {
      if (this.files.size <= this.limit) break;
      if (file.users > 0) continue;
      this.files.delete(path);
      void closeAsync(file.fd).catch(() => undefined);
    }
  }
}

/**
 * `pwritev` until every byte is written: a short write (the disk filling up) is continued from where it stopped,
 * and the next attempt reports why it cannot go on. Synchronous unless `sync` (see OpenFiles).
 */
async function writeAll(fd: number, data: Buffer[], position: number | null, sync: boolean): Promise<void> {
  let rest = data;
  let at = position;
  for (;;) {
    const written = sync
      ? (await writevAsync(fd, rest, at ?? undefined)).bytesWritten
      : writevSync(fd, rest, at ?? undefined);
    rest = skipBytes(rest, written);
    if (rest.length === 0) return;
    if (written === 0) throw Object.assign(new Error(`short write on fd ${fd}`), { code: 'ENOSPC' });
    if (at !== null) at += written;
  }
}

/** The buffers after their first `count` bytes. */
function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  let i = 0;
  while (i < buffers.length && left >= buffers[i]!.length) left -= buffers[i++]!.length;
  if (i === buffers.length) return [];
  return [buffers[i]!.subarray(left), ...buffers.slice(i + 1)];
}
