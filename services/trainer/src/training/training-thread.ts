/** Worker-thread entry of ThreadTrainer: trains on request and answers with the model's files. */
import { parentPort } from 'node:worker_threads';
import { trainAutoencoder } from './autoencoder-trainer.js';
import type { ThreadReply, ThreadRequest } from './thread-trainer.js';

const port = parentPort;
if (!port) throw new Error('training-thread.ts runs only as a worker thread');

port.on('message', async ({ id, series, options }: ThreadRequest) => {
  let reply: ThreadReply;
  try {
    const model = await trainAutoencoder(series, options);
    reply = { id, ok: true, model };
  } catch (err) {
    const e = err as Error;
    reply = {
      id,
      ok: false,
      // core signals bad input with InvalidInputError (a RangeError); structured clone would lose the class.
      error: {
        name: e.name,
        message: e.message,
        invalidInput: e instanceof RangeError || e instanceof TypeError,
      },
    };
  }
  // Copied, not transferred: model files are small, and their buffers may be views of shared pools.
  port.postMessage(reply);
});
