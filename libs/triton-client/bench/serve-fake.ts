// Starts the scripted test server with an instant fake musicgen_lm and encodec_decode in its own
// process, so the benchmark's CPU figures are the client's alone. Prints the address, then waits.
import { fakeEncodecDecode, fakeMusicgenLm, startTestTritonServer } from '../src/testing/index.js';

const server = await startTestTritonServer({
  models: { musicgen_lm: fakeMusicgenLm({ chunkFrames: 50 }), encodec_decode: fakeEncodecDecode() },
});
process.stdout.write(`${server.address}\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
