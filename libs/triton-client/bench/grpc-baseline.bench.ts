// Baseline for the stream CPU figure: the same windows over a bare grpc-js bidirectional stream with
// proto-loader's decoder, counting responses only (no tensor decoding, no request bookkeeping). The
// difference to the stream CPU figure is what this library adds on top of grpc-js.
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { loadInferenceService, type ModelInferRequest, type ModelStreamInferResponse } from '../src/index.js';
import { toWireRequest } from '../src/client/infer-types.js';
import { startFakeServerProcess } from './fake-server-process.js';

export async function benchGrpcBaseline(
  windowsPerRound = 1000,
  rounds = 5,
  concurrency = 50,
): Promise<string[]> {
  const server = await startFakeServerProcess();
  const client = new Client(server.address, credentials.createInsecure());
  const method = loadInferenceService()['ModelStreamInfer'];
  if (method === undefined) throw new Error('ModelStreamInfer missing');
  const call = client.makeBidiStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    new Metadata(),
  );
  call.on('error', () => undefined);
  const waiting = new Map<string, () => void>();
  call.on('data', (message: ModelStreamInferResponse) => {
    const response = message.infer_response;
    if (response?.parameters?.['triton_final_response']?.bool_param === true)
      waiting.get(response.id ?? '')?.();
  });
  let id = 0;
  const window = (): Promise<void> =>
    new Promise((resolve) => {
      const requestId = String(++id);
      waiting.set(requestId, () => {
        waiting.delete(requestId);
        resolve();
      });
      const request: ModelInferRequest = toWireRequest(
        {
          model: 'musicgen_lm',
          inputs: [
            { name: 'TEXT', datatype: 'BYTES', shape: [1], data: [new TextEncoder().encode('bench')] },
            { name: 'NUM_FRAMES', datatype: 'INT32', shape: [1], data: Int32Array.of(1500) },
          ],
          parameters: { triton_enable_empty_final_response: true },
        },
        requestId,
      );
      call.write(request);
    });
  const run = async (count: number): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next++ < count) await window();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  try {
    await run(300);
    const perWindow: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const cpu = process.cpuUsage();
      await run(windowsPerRound);
      const { user, system } = process.cpuUsage(cpu);
      perWindow.push((user + system) / 1000 / windowsPerRound);
    }
    perWindow.sort((a, b) => a - b);
    return [
      `bare grpc-js stream baseline, ${rounds} rounds × ${windowsPerRound} windows (31 responses each), ` +
        `${concurrency} concurrent: min ${(perWindow[0] as number).toFixed(3)} ms, median ` +
        `${(perWindow[Math.floor(rounds / 2)] as number).toFixed(3)} ms CPU per window`,
    ];
  } finally {
    call.cancel();
    client.close();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await benchGrpcBaseline()).join('\n'));
