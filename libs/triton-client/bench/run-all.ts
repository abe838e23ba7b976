// nx run triton-client:bench — every client benchmark, one after the other.
import { cpus } from 'node:os';
import { benchDecodeAudio } from './decode-audio.bench.js';
import { benchGrpcBaseline } from './grpc-baseline.bench.js';
import { benchInFlight } from './in-flight.bench.js';
import { benchStreamCpu } from './stream-cpu.bench.js';

console.log(
  `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}`,
);
for (const line of benchDecodeAudio()) console.log(line);
for (const line of await benchInFlight()) console.log(line);
for (const line of await benchStreamCpu()) console.log(line);
for (const line of await benchGrpcBaseline()) console.log(line);
