import type { DetectorBackend } from './initialize-station.js';

/**
 * The station detectors: the `detectorBackend` export of the module at `url` when given (tests pass stand-ins by
 * URL, so station threads load the same ones), else @outliers/core's, loaded only then.
 */
export async function loadDetectorBackend(url?: string): Promise<DetectorBackend> {
  if (url === undefined) return (await import('./core-detector-backend.js')).coreDetectorBackend;
  return ((await import(url)) as { detectorBackend: DetectorBackend }).detectorBackend;
}
