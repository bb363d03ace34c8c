/** One conformance suite for every ModelStore implementation: the disk store and the S3 store (on s3rver). */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiskModelStore } from './disk-model-store.js';
import { CorruptModelError, InvalidModelNameError, ModelNotFoundError, PinnedModelError } from './errors.js';
import { readVersionFiles } from './manifest.js';
import type { ModelStore } from './model-store.js';
import { newVersion, VERSION_PATTERN } from './names.js';
import { startTestS3, type TestS3 } from './testing/s3rver.js';

interface Harness {
  store: ModelStore;
  /** Writes a raw object at a path relative to the store's root, behind the store's back. */
  plant(path: string, bytes: Uint8Array | string): Promise<void>;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const modelFiles = (tag: string) => ({
  'model.json': bytes(`{"tag":"${tag}"}`),
  'weights.bin': bytes(`w-${tag}`),
});

let s3: TestS3;
let tmp: string;
beforeAll(async () => {
  s3 = await startTestS3();
  tmp = await mkdtemp(join(tmpdir(), 'outliers-disk-store-'));
});
afterAll(async () => {
  await s3.close();
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
const harnesses: [string, () => Promise<Harness>][] = [
  [
    'DiskModelStore',
    async () => {
      const root = join(tmp, `root-${counter++}`);
      return {
        store: new DiskModelStore(root),
        async plant(path, data) {
          await mkdir(join(root, path, '..'), { recursive: true });
          await writeFile(join(root, path), data);
        },
      };
    },
  ],
  [
    'S3ModelStore',
    async () => {
      const prefix = `conformance/${counter++}`;
      const raw = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return {
        store: s3.store(prefix),
        async plant(path, data) {
          await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${path}`, Body: data }));
        },
      };
    },
  ],
];

describe.each(harnesses)('%s conformance', (_, make) => {
  let h: Harness;
  beforeEach(async () => {
    h = await make();
  });

  it('starts empty', async () => {
    expect(await h.store.list()).toEqual([]);
    expect(await h.store.manifest('sensor-1')).toBeNull();
    expect(await h.store.versions('sensor-1')).toEqual([]);
    await expect(h.store.activate('sensor-1', newVersion())).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('publishes files and a manifest that readers follow', async () => {
    const files = modelFiles('a');
    const manifest = await h.store.publish('sensor-1', files, { epochs: 3 });
    expect(manifest).toMatchObject({ name: 'sensor-1', files: { 'model.json': 11, 'weights.bin': 3 } });
    expect(manifest.metadata).toEqual({ epochs: 3 });
    expect(manifest.version).toMatch(VERSION_PATTERN);
    expect(await h.store.manifest('sensor-1')).toEqual(manifest);
    expect(await h.store.list()).toEqual(['sensor-1']);
    expect(await h.store.versions('sensor-1')).toEqual([manifest.version]);
    expect(await readVersionFiles(h.store, manifest)).toEqual(files);
    await expect(h.store.readFile('sensor-1', manifest.version, 'nope.bin')).rejects.toBeInstanceOf(
      ModelNotFoundError,
    );
  });

  it('orders versions by time, rolls back with activate, prunes all but the newest and the active', async () => {
    const v1 = await h.store.publish('m', modelFiles('1'));
    await new Promise((r) => setTimeout(r, 2));
    const v2 = await h.store.publish('m', modelFiles('2'));
    await new Promise((r) => setTimeout(r, 2));
    const v3 = await h.store.publish('m', modelFiles('3'));
    expect(await h.store.versions('m')).toEqual([v1.version, v2.version, v3.version]);
    expect((await h.store.manifest('m'))?.version).toBe(v3.version);

    const back = await h.store.activate('m', v1.version);
    expect(back).toEqual(v1);
    expect(await h.store.manifest('m')).toEqual(v1);

    await h.store.prune('m', 1);
    expect(await h.store.versions('m')).toEqual([v1.version, v3.version]);
    expect(new TextDecoder().decode(await h.store.readFile('m', v1.version, 'model.json'))).toBe(
      '{"tag":"1"}',
    );
  });

  it('pins a rollback: publishing is refused until the version is activated again without a pin', async () => {
    const v1 = await h.store.publish('m', modelFiles('1'));
    await new Promise((r) => setTimeout(r, 2));
    const v2 = await h.store.publish('m', modelFiles('2'));
    const pinned = await h.store.activate('m', v1.version, { pin: true });
    expect(pinned).toEqual({ ...v1, pinned: { at: expect.any(String) } });
    expect(await h.store.manifest('m')).toEqual(pinned);
    const refused = h.store.publish('m', modelFiles('3'));
    await expect(refused).rejects.toBeInstanceOf(PinnedModelError);
    await expect(refused).rejects.toThrow(`pinned to version ${v1.version}`);
    expect(await h.store.versions('m')).toEqual([v1.version, v2.version]);

    expect(await h.store.activate('m', v1.version)).toEqual(v1);
    const v3 = await h.store.publish('m', modelFiles('3'));
    expect((await h.store.manifest('m'))?.version).toBe(v3.version);
  });

  it('reads the manifest of any complete version, current or not', async () => {
    const v1 = await h.store.publish('m', modelFiles('1'), { job: 'j-1' });
    await h.store.publish('m', modelFiles('2'));
    expect(await h.store.versionManifest('m', v1.version)).toEqual(v1);
    expect(await h.store.versionManifest('m', newVersion())).toBeNull();
    await expect(h.store.versionManifest('m', '../x')).rejects.toBeInstanceOf(InvalidModelNameError);
  });

  it('keeps models apart', async () => {
    await h.store.publish('a', modelFiles('a'));
    await h.store.publish('b', modelFiles('b'));
    expect(await h.store.list()).toEqual(['a', 'b']);
    const b = (await h.store.manifest('b'))!;
    expect(await h.store.readFile('b', b.version, 'model.json')).toEqual(bytes('{"tag":"b"}'));
  });

  it.each([
    '../escape',
    '..',
    'a/b',
    'a\\b',
    '.hidden',
    '',
    '%2e%2e',
    'a..b',
    'x'.repeat(129),
    'nul\u0000byte',
  ])('rejects the model name %j everywhere', async (name) => {
    await expect(h.store.manifest(name)).rejects.toBeInstanceOf(InvalidModelNameError);
    await expect(h.store.versions(name)).rejects.toBeInstanceOf(InvalidModelNameError);
    await expect(h.store.publish(name, modelFiles('x'))).rejects.toBeInstanceOf(InvalidModelNameError);
    await expect(h.store.readFile(name, newVersion(), 'model.json')).rejects.toBeInstanceOf(
      InvalidModelNameError,
    );
    await expect(h.store.prune(name, 1)).rejects.toBeInstanceOf(InvalidModelNameError);
  });

  it('rejects traversal through versions and file names', async () => {
    const { version } = await h.store.publish('m', modelFiles('x'));
    await expect(h.store.readFile('m', '../m', 'model.json')).rejects.toBeInstanceOf(InvalidModelNameError);
    await expect(h.store.readFile('m', version, '../latest.json')).rejects.toBeInstanceOf(
      InvalidModelNameError,
    );
    await expect(h.store.readFile('m', version, '_manifest.json')).rejects.toBeInstanceOf(
      InvalidModelNameError,
    );
    await expect(h.store.activate('m', 'latest.json')).rejects.toBeInstanceOf(InvalidModelNameError);
    await expect(h.store.publish('m', { '../../x': bytes('x') })).rejects.toBeInstanceOf(
      InvalidModelNameError,
    );
    await expect(h.store.publish('m', {})).rejects.toBeInstanceOf(RangeError);
  });

  it('never makes a partial upload current', async () => {
    const good = await h.store.publish('m', modelFiles('good'));
    // A crashed publisher: files of a newer version uploaded, its manifests never written.
    const partial = newVersion(new Date(Date.now() + 60_000));
    await h.plant(`m/${partial}/model.json`, '{"tag":"partial"}');
    expect(await h.store.manifest('m')).toEqual(good);
    expect(await h.store.versions('m')).toEqual([good.version]);
    await expect(h.store.activate('m', partial)).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('detects a file that does not match its manifest', async () => {
    const manifest = await h.store.publish('m', modelFiles('good'));
    await h.plant(`m/${manifest.version}/weights.bin`, 'w');
    await expect(readVersionFiles(h.store, manifest)).rejects.toBeInstanceOf(CorruptModelError);
  });

  it('refuses a manifest that names another model or is not JSON', async () => {
    const other = await h.store.publish('other', modelFiles('o'));
    await h.plant('m/latest.json', JSON.stringify(other));
    await expect(h.store.manifest('m')).rejects.toBeInstanceOf(CorruptModelError);
    await h.plant('m/latest.json', '{not json');
    await expect(h.store.manifest('m')).rejects.toBeInstanceOf(CorruptModelError);
  });
});

describe('S3ModelStore prefixes', () => {
  it('keeps stores under different prefixes apart', async () => {
    const a = s3.store('team-a/models/');
    const b = s3.store('team-b');
    await a.publish('m', modelFiles('a'));
    expect(await b.list()).toEqual([]);
    expect(await b.manifest('m')).toBeNull();
    expect(await a.list()).toEqual(['m']);
  });
});
