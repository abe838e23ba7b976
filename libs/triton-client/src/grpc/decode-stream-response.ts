import type {
  InferParameter,
  InferTensor,
  ModelInferResponse,
  ModelStreamInferResponse,
} from './messages.js';

const TWO_32 = 2 ** 32;

/** Raised inside the decoder when a message uses something it does not handle; the caller falls back. */
class Unsupported extends Error {}

/**
 * Decodes a `ModelStreamInferResponse` straight from protobuf bytes into exactly the object that
 * @grpc/proto-loader produces with {@link PROTO_LOADER_OPTIONS}, without protobufjs' intermediate
 * message objects: the stream's hot path. `raw_output_contents` are views of `bytes`. A message with
 * typed `contents` on an output (which Triton never sends) is handed to `fallback`.
 *
 * @throws {RangeError} when the bytes are not a valid message.
 */
export function decodeStreamResponse(
  bytes: Buffer,
  fallback: (bytes: Buffer) => ModelStreamInferResponse,
): ModelStreamInferResponse {
  try {
    return new Reader(bytes).streamResponse();
  } catch (error) {
    if (error instanceof Unsupported) return fallback(bytes);
    throw error;
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  streamResponse(): ModelStreamInferResponse {
    const out: ModelStreamInferResponse = { error_message: '', infer_response: null };
    const end = this.buf.length;
    while (this.pos < end) {
      const tag = this.varint();
      if (tag === 0x0a) out.error_message = this.string();
      else if (tag === 0x12) out.infer_response = this.inferResponse(this.end());
      else this.skip(tag);
    }
    this.check(end);
    return out;
  }

  private inferResponse(end: number): ModelInferResponse {
    const out: Required<ModelInferResponse> = {
      model_name: '',
      model_version: '',
      id: '',
      parameters: {},
      outputs: [],
      raw_output_contents: [],
    };
    while (this.pos < end) {
      const tag = this.varint();
      if (tag === 0x0a) out.model_name = this.string();
      else if (tag === 0x12) out.model_version = this.string();
      else if (tag === 0x1a) out.id = this.string();
      else if (tag === 0x22) this.mapEntry(out.parameters);
      else if (tag === 0x2a) out.outputs.push(this.outputTensor(this.end()));
      else if (tag === 0x32) out.raw_output_contents.push(this.bytes());
      else this.skip(tag);
    }
    this.check(end);
    return out;
  }

  private outputTensor(end: number): InferTensor {
    const out: Required<InferTensor> = { name: '', datatype: '', shape: [], parameters: {}, contents: null };
    while (this.pos < end) {
      const tag = this.varint();
      if (tag === 0x0a) out.name = this.string();
      else if (tag === 0x12) out.datatype = this.string();
      else if (tag === 0x18) out.shape.push(this.int64String(true));
      else if (tag === 0x1a) {
        const stop = this.end();
        while (this.pos < stop) out.shape.push(this.int64String(true));
        this.check(stop);
      } else if (tag === 0x22) this.mapEntry(out.parameters);
      else if (tag >>> 3 === 5) throw new Unsupported();
      else this.skip(tag);
    }
    this.check(end);
    return out;
  }

  private mapEntry(map: Record<string, InferParameter>): void {
    const end = this.end();
    let key = '';
    let value: InferParameter = {};
    while (this.pos < end) {
      const tag = this.varint();
      if (tag === 0x0a) key = this.string();
      else if (tag === 0x12) value = this.parameter(this.end());
      else this.skip(tag);
    }
    this.check(end);
    map[key] = value;
  }

  private parameter(end: number): InferParameter {
    let out: InferParameter = {};
    while (this.pos < end) {
      const tag = this.varint();
      if (tag === 0x08) out = { bool_param: this.varint() !== 0, parameter_choice: 'bool_param' };
      else if (tag === 0x10) out = { int64_param: this.int64String(true), parameter_choice: 'int64_param' };
      else if (tag === 0x1a) out = { string_param: this.string(), parameter_choice: 'string_param' };
      else if (tag === 0x21) {
        this.need(8);
        out = { double_param: this.buf.readDoubleLE(this.pos), parameter_choice: 'double_param' };
        this.pos += 8;
      } else if (tag === 0x28)
        out = { uint64_param: this.int64String(false), parameter_choice: 'uint64_param' };
      else this.skip(tag);
    }
    this.check(end);
    return out;
  }

  private check(end: number): void {
    if (this.pos !== end)
      throw new RangeError('Cannot decode ModelStreamInferResponse: a field overruns its message');
  }

  private skip(tag: number): void {
    const wire = tag & 7;
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.pos = this.end();
    else if (wire === 5) this.advance(4);
    else throw new Unsupported();
  }

  private advance(count: number): void {
    this.need(count);
    this.pos += count;
  }

  private need(count: number): void {
    if (this.pos + count > this.buf.length)
      throw new RangeError('Cannot decode ModelStreamInferResponse: truncated message');
  }

  /** Reads a length prefix and returns where the value ends. */
  private end(): number {
    const length = this.varint();
    this.need(length);
    return this.pos + length;
  }

  private string(): string {
    const end = this.end();
    const { buf } = this;
    let value = '';
    if (end - this.pos <= 24) {
      for (let i = this.pos; i < end; i++) {
        const code = buf[i] as number;
        if (code >= 0x80) {
          value = buf.toString('utf8', this.pos, end);
          break;
        }
        value += String.fromCharCode(code);
      }
    } else {
      value = buf.toString('utf8', this.pos, end);
    }
    this.pos = end;
    return value;
  }

  private bytes(): Buffer {
    const end = this.end();
    const value = this.buf.subarray(this.pos, end);
    this.pos = end;
    return value;
  }

  /** A varint of up to 53 bits as a number (tags, lengths, bools). */
  private varint(): number {
    const { buf } = this;
    const first = buf[this.pos];
    if (first !== undefined && first < 0x80) {
      this.pos++;
      return first;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const byte = buf[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new RangeError('Cannot decode ModelStreamInferResponse: varint longer than 10 bytes');
  }

  /** A 64-bit varint as the decimal string proto-loader gives (`longs: String`). */
  private int64String(signed: boolean): string {
    let lo = 0;
    let hi = 0;
    for (let i = 0, shift = 0; ; i++, shift += 7) {
      if (i === 10)
        throw new RangeError('Cannot decode ModelStreamInferResponse: varint longer than 10 bytes');
      this.need(1);
      const byte = this.buf[this.pos++] as number;
      const bits = byte & 0x7f;
      if (shift < 28) lo += bits * 2 ** shift;
      else if (shift === 28) {
        lo += (bits & 0x0f) * 2 ** 28;
        hi += bits >> 4;
      } else hi += bits * 2 ** (shift - 32);
      if (byte < 0x80) break;
    }
    hi %= TWO_32;
    if (hi < 2 ** 21) return String(hi * TWO_32 + lo);
    const value = (BigInt(hi) << 32n) | BigInt(lo);
    return (signed ? BigInt.asIntN(64, value) : value).toString();
  }
}
