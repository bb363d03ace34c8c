/** Models that were trained but not published are kept aside on the node's disk, for a person to look at. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `files` and `metadata.json` under `<directory>/<sensor>/<timestamp>/`.
 * @returns the directory written.
 */
export async function keepAside(
  directory: string,
  sensor: string,
  files: Record<string, Uint8Array>,
  metadata: Record<string, unknown>,
): Promise<string> {
  const dir = join(directory, sensor, new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  await writeFile(join(dir, 'kept-aside.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  return dir;
}
