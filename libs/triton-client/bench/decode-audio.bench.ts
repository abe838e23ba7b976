// Turning 30 s of FP32 audio (960 000 samples) from a response into a Float32Array: the protobuf
// deserialisation of the whole ModelInferResponse, and the raw-tensor decode alone (aligned: a view;
// unaligned: a copy). Median of many runs.
import { decodeRawTensor, loadInferenceService, type ModelInferResponse } from '../src/index.js';
import { fromWireResponse } from '../src/client/infer-types.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(runs: number, body: () => unknown): { min: number; median: number; p90: number } {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    body();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return {
    min: samples[0] as number,
    median: median(samples),
    p90: samples[Math.floor(samples.length * 0.9)] as number,
  };
}

export function benchDecodeAudio(runs = 200): string[] {
  const samples = 960_000;
  const audio = new Float32Array(samples).map((_, i) => Math.sin(i / 10));
  const raw = Buffer.from(audio.buffer);
  const method = loadInferenceService()['ModelInfer'];
  if (method === undefined) throw new Error('ModelInfer missing');
  const message = method.responseSerialize({
    model_name: 'encodec_decode',
    id: '1',
    outputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [1, samples] }],
    raw_output_contents: [raw],
  });
  const unaligned = Buffer.alloc(raw.length + 1).subarray(1);
  raw.copy(unaligned);
  const header = { name: 'AUDIO', datatype: 'FP32', shape: [1, samples] };
  const full = time(runs, () => fromWireResponse(method.responseDeserialize(message) as ModelInferResponse));
  const aligned = time(runs, () => decodeRawTensor(header, raw));
  const copied = time(runs, () => decodeRawTensor(header, unaligned));
  const alignedInMessage = (() => {
    const decoded = fromWireResponse(method.responseDeserialize(message) as ModelInferResponse);
    const data = decoded.outputs['AUDIO']?.data as Float32Array;
    return data.buffer === message.buffer
      ? 'a view of the message'
      : 'a copy (raw bytes unaligned in the message)';
  })();
  const fmt = (t: { min: number; median: number; p90: number }) =>
    `min ${t.min.toFixed(3)} ms, median ${t.median.toFixed(3)} ms, p90 ${t.p90.toFixed(3)} ms`;
  return [
    `decode 30 s FP32 audio (${samples} samples, ${raw.length} bytes), ${runs} runs each:`,
    `  protobuf deserialise + raw decode of the response: ${fmt(full)} (result: ${alignedInMessage})`,
    `  raw decode, aligned (zero-copy view): ${fmt(aligned)}`,
    `  raw decode, unaligned (copy): ${fmt(copied)}`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchDecodeAudio().join('\n'));
