import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ModelInferRequest, ModelStreamInferResponse } from '../grpc/messages.js';

/** Sends one response on a stream; resolves when the stream can take more (backpressure). */
export type StreamSend = (message: ModelStreamInferResponse) => Promise<void>;

type Call = ServerDuplexStream<ModelInferRequest, ModelStreamInferResponse>;

/**
 * One `ModelStreamInfer` call: many requests, interleaved, each handled on its own and answered by
 * id. When the client half-closes, the call ends once every request has finished; when it cancels
 * (or the call fails, or {@link abort} is called), `signal` aborts and nothing more is written.
 */
export class StreamCall {
  private readonly running = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private clientDone = false;
  private drained: Promise<void> | undefined;

  constructor(
    private readonly call: Call,
    handle: (request: ModelInferRequest, send: StreamSend, signal: AbortSignal) => Promise<void>,
  ) {
    call.on('data', (request: ModelInferRequest) =>
      this.track(handle(request, (message) => this.write(message), this.controller.signal)),
    );
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

  /** Whether the call stopped: cancelled, failed, aborted or ended. */
  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** Ends the call with a status (on shutdown); running requests see their signal abort. */
  abort(code: number, details: string): void {
    if (this.stopped) return;
    this.stop();
    this.call.emit('error', { code, details });
  }

  private stop(): void {
    if (!this.stopped) this.controller.abort();
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
      this.stop();
      this.call.end();
    }
  }

  private async write(message: ModelStreamInferResponse): Promise<void> {
    if (this.stopped || this.call.destroyed) return;
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
