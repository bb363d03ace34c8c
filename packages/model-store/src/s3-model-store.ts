/**
 * ModelStore on S3 (or any S3-compatible server) under one bucket and prefix. Object PUTs are atomic per key, so the
 * order of writes is what keeps readers safe: all files of a version, then the version's `_manifest.json`, then
 * `latest.json`. A reader that follows `latest.json` only ever reaches complete versions.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ModelNotFoundError } from './errors.js';
import { assertNotPinned, currentManifest, newManifest, parseManifest } from './manifest.js';
import type { ModelManifest, ModelStore } from './model-store.js';
import {
  assertFileName,
  assertModelName,
  assertVersion,
  isValidModelName,
  LATEST_MANIFEST,
  VERSION_MANIFEST,
  VERSION_PATTERN,
} from './names.js';

export interface S3ModelStoreOptions {
  bucket: string;
  /** Key prefix, with or without a trailing slash. @defaultValue '' */
  prefix?: string;
  /** Custom endpoint (MinIO, s3rver, Ceph); path-style addressing is used when set. */
  endpoint?: string;
  /** @defaultValue 'us-east-1' */
  region?: string;
  /** Explicit credentials; otherwise the standard AWS chain (env, profile, instance role). */
  credentials?: S3ClientConfig['credentials'];
  /** A client to use instead of building one (the store then does not destroy it). */
  client?: S3Client;
}

export class S3ModelStore implements ModelStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #ownsClient: boolean;

  constructor(options: S3ModelStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
    this.#ownsClient = !options.client;
    this.#client =
      options.client ??
      new S3Client({
        region: options.region ?? 'us-east-1',
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        // Checksums only when an operation requires them: S3-compatible servers (s3rver, older MinIO) reject the
        // flexible-checksum headers newer SDKs send by default.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    for (const key of await this.#keys(this.prefix)) {
      const [name, file, ...rest] = key.slice(this.prefix.length).split('/');
      if (rest.length === 0 && file === LATEST_MANIFEST && isValidModelName(name)) names.push(name);
    }
    return names.sort();
  }

  async manifest(name: string): Promise<ModelManifest | null> {
    assertModelName(name);
    const bytes = await this.#get(this.#key(name, LATEST_MANIFEST));
    return bytes ? parseManifest(bytes, name) : null;
  }

  async versions(name: string): Promise<string[]> {
    assertModelName(name);
    const base = this.#key(name, '');
    const versions: string[] = [];
    for (const key of await this.#keys(base)) {
      const [version, file, ...rest] = key.slice(base.length).split('/');
      if (rest.length === 0 && file === VERSION_MANIFEST && version && VERSION_PATTERN.test(version)) {
        versions.push(version);
      }
    }
    return versions.sort();
  }

  async readFile(name: string, version: string, file: string): Promise<Uint8Array> {
    assertModelName(name);
    assertVersion(version);
    assertFileName(file);
    const bytes = await this.#get(this.#key(name, version, file));
    if (!bytes) throw new ModelNotFoundError(name, version, file);
    return bytes;
  }

  async publish(
    name: string,
    files: Record<string, Uint8Array>,
    metadata?: Record<string, unknown>,
  ): Promise<ModelManifest> {
    const manifest = newManifest(name, files, metadata);
    assertNotPinned(await this.manifest(name));
    const { version } = manifest;
    await Promise.all(
      Object.entries(files).map(([file, bytes]) => this.#put(this.#key(name, version, file), bytes)),
    );
    await this.#put(this.#key(name, version, VERSION_MANIFEST), JSON.stringify(manifest));
    await this.#put(this.#key(name, LATEST_MANIFEST), JSON.stringify(manifest));
    return manifest;
  }

  async versionManifest(name: string, version: string): Promise<ModelManifest | null> {
    assertModelName(name);
    assertVersion(version);
    const bytes = await this.#get(this.#key(name, version, VERSION_MANIFEST));
    return bytes ? parseManifest(bytes, name) : null;
  }

  async activate(name: string, version: string, options: { pin?: boolean } = {}): Promise<ModelManifest> {
    const found = await this.versionManifest(name, version);
    if (!found) throw new ModelNotFoundError(name, version);
    const manifest = currentManifest(found, options.pin ?? false);
    await this.#put(this.#key(name, LATEST_MANIFEST), JSON.stringify(manifest));
    return manifest;
  }

  async prune(name: string, keep: number): Promise<void> {
    assertModelName(name);
    const active = (await this.manifest(name))?.version;
    const versions = await this.versions(name);
    const doomed = versions
      .slice(0, Math.max(0, versions.length - Math.max(0, keep)))
      .filter((v) => v !== active);
    for (const version of doomed) {
      const keys = await this.#keys(this.#key(name, version, ''));
      // Delete the version manifest first so a half-deleted version is already invisible.
      const ordered = keys.sort(
        (a, b) => Number(b.endsWith(VERSION_MANIFEST)) - Number(a.endsWith(VERSION_MANIFEST)),
      );
      // One DeleteObject per key: DeleteObjects needs a Content-MD5 that S3-compatible servers handle unevenly.
      for (const key of ordered)
        await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    }
  }

  /** Destroys the client when the store built it. */
  close(): void {
    if (this.#ownsClient) this.#client.destroy();
  }

  #key(name: string, ...parts: string[]): string {
    return `${this.prefix}${[name, ...parts].join('/')}`;
  }

  async #keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async #get(key: string): Promise<Uint8Array | null> {
    try {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
      throw error;
    }
  }

  async #put(key: string, body: Uint8Array | string): Promise<void> {
    await this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
  }
}
