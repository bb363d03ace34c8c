/**
 * `trainer rollback --sensor S --to VERSION`: points the sensor's manifest back at a kept version and pins it there,
 * so the next scheduled training does not publish over it; `trainer unpin --sensor S` lets training publish again.
 */
import type { ModelManifest, ModelStore } from '@outliers/model-store';

export class RollbackError extends Error {
  override readonly name = 'RollbackError';
}

/** @throws {RollbackError} naming the versions that exist when `version` is not one of them. */
export async function rollback(store: ModelStore, sensor: string, version: string): Promise<ModelManifest> {
  const versions = await store.versions(sensor);
  if (!versions.includes(version)) {
    throw new RollbackError(
      versions.length === 0
        ? `sensor "${sensor}" has no versions`
        : `sensor "${sensor}" has no version "${version}"; kept versions: ${versions.join(', ')}`,
    );
  }
  return store.activate(sensor, version, { pin: true });
}

/** Removes the sensor's pin, keeping its current version. @throws {RollbackError} when it has none. */
export async function unpin(store: ModelStore, sensor: string): Promise<ModelManifest> {
  const current = await store.manifest(sensor);
  if (!current) throw new RollbackError(`sensor "${sensor}" has no published version`);
  return store.activate(sensor, current.version);
}
