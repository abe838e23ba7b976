import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { CODEBOOKS, LM_TENSORS, MUSICGEN_LM } from '@musicgen/contract';
import {
  TRITON_FINAL_RESPONSE,
  encodeRawTensor,
  type ModelInferRequest,
  type ModelInferResponse,
  type ModelStreamInferResponse,
} from '@musicgen/triton-client';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { CodeGenerator } from './code-generator.js';
import { parseLmRequest, type LmRequest } from './lm-request.js';
import { previewTextTokens } from './text-tokens.js';
import { MODEL_VERSION, findModel, unknownModelMessage } from './model-catalog.js';
import { modelFailure, RequestError } from './request-error.js';
import type { SlotLimiter } from './slot-limiter.js';

/** What a stream needs from the engine. */
export interface SessionContext {
  progressIntervalFrames: number;
  framesPerSecond: number;
  /** Runs a request to a non-decoupled model (encodec_decode, musicgen_info) and returns its response. */
  unary(request: ModelInferRequest): Promise<ModelInferResponse>;
  /** The engine's generation slots, shared by every stream. */
  slots: SlotLimiter;
  /** Longest a request goes without a response while it waits or generates (contract v1.2). */
  livenessIntervalMs: number;
  /** Prompt tokens read; TEXT_TOKENS reports more as truncated. */
  maxTextTokens: number;
}

type Call = ServerDuplexStream<ModelInferRequest, ModelStreamInferResponse>;

/**
 * One `ModelStreamInfer` call: many requests, interleaved, each answered by id. A bad request gets
 * an `error_message` for itself only; the stream stays open. When the client half-closes, the call
 * ends once every request has finished; when it cancels, every request stops.
 */
export class StreamSession {
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private clientDone = false;
  private drained: Promise<void> | undefined;

  constructor(
    private readonly call: Call,
    private readonly context: SessionContext,
  ) {
    call.on('data', (request: ModelInferRequest) => this.track(this.handle(request)));
    call.on('end', () => {
      this.clientDone = true;
      this.endIfIdle();
    });
    call.on('cancelled', () => this.stop());
    call.on('error', () => this.stop());
  }

  /** Requests still in flight. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Ends the call with a status (used on shutdown); running requests stop. */
  abort(code: status, details: string): void {
    if (this.stopped) return;
    this.stop();
    this.call.emit('error', { code, details });
  }

  private stop(): void {
    this.stopped = true;
  }

  private track(job: Promise<void>): void {
    this.running.add(job);
    void job.finally(() => {
      this.running.delete(job);
      this.endIfIdle();
    });
  }

  private endIfIdle(): void {
    if (this.clientDone && this.running.size === 0 && !this.stopped) {
      this.stopped = true;
      this.call.end();
    }
  }

  private async handle(request: ModelInferRequest): Promise<void> {
    try {
      const model = findModel(request.model_name, request.model_version ?? '');
      if (!model)
        throw new RequestError(
          status.NOT_FOUND,
          unknownModelMessage(request.model_name, request.model_version),
        );
      if (model.name !== MUSICGEN_LM) {
        const response = await this.context.unary(request);
        await this.write({ infer_response: { ...response, parameters: finalFlag(true) } });
      } else {
        await this.generate(request, parseLmRequest(request));
      }
    } catch (error) {
      if (this.stopped) return;
      const message = (error instanceof RequestError ? error : modelFailure(error)).wireMessage;
      await this.write({
        error_message: message,
        infer_response: {
          model_name: request.model_name,
          model_version: request.model_version ?? '',
          id: request.id ?? '',
          outputs: [],
        },
      });
    }
  }

  /**
   * Generates one window (contract v1.2): an acknowledgement of no frames at once, a response of no
   * frames whenever `livenessIntervalMs` passed without one (waiting for a slot, or between progress
   * responses when generation is throttled), progress every `progressIntervalFrames` frames. Every
   * response carries QUEUE_POSITION and TEXT_TOKENS.
   */
  private async generate(request: ModelInferRequest, lm: LmRequest): Promise<void> {
    const { livenessIntervalMs, maxTextTokens } = this.context;
    const ticket = this.context.slots.take();
    const header = { model_name: MUSICGEN_LM, model_version: MODEL_VERSION, id: request.id ?? '' };
    const textTokens = Int32Array.from(previewTextTokens(lm.params.text, maxTextTokens));
    let framesDone = 0;
    let lastSent = performance.now();
    let finished = false;
    const send = (codes: Int32Array, frames: number, final: boolean): Promise<void> => {
      lastSent = performance.now();
      const tensors = [
        { name: LM_TENSORS.CODES, datatype: 'INT32' as const, shape: [CODEBOOKS, frames], data: codes },
        {
          name: LM_TENSORS.FRAMES_DONE,
          datatype: 'INT32' as const,
          shape: [1],
          data: Int32Array.of(framesDone),
        },
        {
          name: LM_TENSORS.QUEUE_POSITION,
          datatype: 'INT32' as const,
          shape: [1],
          data: Int32Array.of(ticket.position()),
        },
        { name: LM_TENSORS.TEXT_TOKENS, datatype: 'INT32' as const, shape: [2], data: textTokens },
      ].filter((t) => lm.outputs.includes(t.name));
      return this.write({
        infer_response: {
          ...header,
          parameters: finalFlag(final),
          outputs: tensors.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
          raw_output_contents: tensors.map((t) => encodeRawTensor(t)),
        },
      });
    };
    const noFrames = new Int32Array(0);
    const liveness = setInterval(
      () => {
        if (!finished && performance.now() - lastSent >= livenessIntervalMs) void send(noFrames, 0, false);
      },
      Math.max(1, livenessIntervalMs / 4),
    );
    try {
      await send(noFrames, 0, false);
      const release = await ticket.granted;
      try {
        const { progressIntervalFrames, framesPerSecond } = this.context;
        const generator = new CodeGenerator(lm.params);
        const started = performance.now();
        while (framesDone < lm.numFrames) {
          if (this.stopped) return;
          const n = Math.min(progressIntervalFrames, lm.numFrames - framesDone);
          const codes = generator.nextFrames(n);
          const done = framesDone + n;
          if (framesPerSecond > 0) {
            const due = started + (done / framesPerSecond) * 1000;
            await sleep(Math.max(0, due - performance.now()));
          } else {
            await yieldToLoop();
          }
          if (this.stopped) return;
          framesDone = done;
          const last = done === lm.numFrames;
          if (last) finished = true;
          await send(codes, n, last && !lm.emptyFinalResponse);
        }
        if (lm.emptyFinalResponse && !this.stopped) {
          await this.write({ infer_response: { ...header, parameters: finalFlag(true), outputs: [] } });
        }
      } finally {
        release();
      }
    } finally {
      finished = true;
      clearInterval(liveness);
    }
  }

  private async write(message: ModelStreamInferResponse): Promise<void> {
    if (this.stopped) return;
    if (!this.call.write(message)) await this.writable();
  }

  /**
   * Resolves when the call drains or closes. Every writer that met backpressure waits on the same
   * promise, so the number of listeners stays at two however many requests share the stream.
   */
  private writable(): Promise<void> {
    this.drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.call.off('drain', done);
        this.call.off('close', done);
        this.drained = undefined;
        resolve();
      };
      this.call.on('drain', done);
      this.call.on('close', done);
    });
    return this.drained;
  }
}

function finalFlag(value: boolean) {
  return { [TRITON_FINAL_RESPONSE]: { bool_param: value } };
}
