/**
 * Chooses the TF.js backend once per process: the native binding (@tensorflow/tfjs-node) when it loads, else
 * WebAssembly (@tensorflow/tfjs-backend-wasm, SIMD where the runtime supports it), else the pure-JS cpu backend.
 * Services call `initBackend()` at start and log the name it returns; every model entry point calls it too, so
 * library users never have to.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | undefined;

/**
 * Initialises the fastest TF.js backend that works here and returns its name. Idempotent: later calls return the
 * first call's result.
 */
export function initBackend(): Promise<BackendName> {
  chosen ??= chooseBackend();
  return chosen;
}

async function chooseBackend(): Promise<BackendName> {
  if (await tryNative()) return 'tensorflow';
  if (await tryWasm()) return 'wasm';
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}

/** tfjs-node is an optional dependency: its prebuilt binary may be missing or built for another platform. */
async function tryNative(): Promise<boolean> {
  try {
    // A variable specifier keeps bundlers and the type checker from requiring the optional package.
    const specifier = '@tensorflow/tfjs-node';
    await import(specifier);
    return (await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow';
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The .wasm binaries ship in the package's dist folder; in Node they are read from disk, so point at it.
    const require = createRequire(import.meta.url);
    const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    wasm.setWasmPaths(`${path.join(path.dirname(packageJson), 'dist')}${path.sep}`);
    if (!(await tf.setBackend('wasm'))) return false;
    await tf.ready();
    return tf.getBackend() === 'wasm';
  } catch {
    return false;
  }
}
