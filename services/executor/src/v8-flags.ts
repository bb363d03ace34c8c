/**
 * V8 settings of the executor process, applied when this module is evaluated: server.ts imports it first, before
 * any module that allocates, and worker threads share the process's flags.
 *
 * Allocation-site pretenuring off. V8 allocates an object straight into the old generation once most objects from
 * its allocation site were seen surviving a young-generation collection. Our hot paths make short-lived objects
 * from sites that also make long-lived ones or that were seen alive during a collection (a station record's
 * arrays, a metric request's rows, alive across the whole ~13 ms request), and the decision never reverts: they
 * all became old-generation garbage that only full collections clear. Measured in one process, runs alternated:
 * a /detection block 0.93-1.05 vs 1.04-1.14 ms of CPU (bench/station-block.ts), a shallow metric request 12.2-12.9
 * vs 12.6-13.8 ms; the objects of a block that reach the old generation: 11.7 vs 22.5 KB.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
