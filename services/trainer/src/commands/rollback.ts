/** `trainer rollback --sensor S --to VERSION`: points the sensor's manifest back at a kept version. */
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
  return store.activate(sensor, version);
}
