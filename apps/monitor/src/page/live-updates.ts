import type { ServerResponse } from 'node:http';
import type { GpuWatch } from './gpu-panel.js';
import type { RunLibrary } from './run-library.js';

/** How often the store is read while a page listens, and Triton's metrics. */
export const LIVE_POLL_MS = 1000;
export const GPU_POLL_MS = 2000;
/** A comment line every so often keeps proxies and browsers from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

interface Listener {
  readonly response: ServerResponse;
  readonly runId: string | undefined;
  /** The last JSON sent of each event, so that only changes are sent. */
  readonly sent: Map<string, string>;
}

/**
 * Server-sent events for open pages (`GET /api/events?run=ID`): `runs` (the list, when it changes),
 * `run` (the run the page shows, when it changes: jobs moving, a job finishing, the report appearing),
 * `gpu` (the GPU panel, when Triton's metrics are configured) and `problem` (the store cannot be read;
 * `null` once it can again). The store is read every `pollMs` only while at least one page listens.
 *
 * @example
 * ```ts
 * const live = new LiveUpdates({ library });
 * live.attach(response, 'a1b2c3d4');
 * ```
 */
export class LiveUpdates {
  readonly #library: RunLibrary;
  readonly #gpu: GpuWatch | undefined;
  readonly #pollMs: number;
  readonly #gpuPollMs: number;
  readonly #listeners = new Set<Listener>();
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastGpu = 0;
  #gpuPanel: string | undefined;
  #closed = false;

  constructor(options: { library: RunLibrary; gpu?: GpuWatch; pollMs?: number; gpuPollMs?: number }) {
    this.#library = options.library;
    this.#gpu = options.gpu;
    this.#pollMs = options.pollMs ?? LIVE_POLL_MS;
    this.#gpuPollMs = options.gpuPollMs ?? GPU_POLL_MS;
  }

  /** Starts an event stream on `response` for a page showing run `runId` (or only the list). */
  attach(response: ServerResponse, runId: string | undefined): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    response.write(`retry: ${this.#pollMs * 2}\n\n`);
    const listener: Listener = { response, runId, sent: new Map() };
    this.#listeners.add(listener);
    response.on('close', () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    });
    if (this.#gpuPanel !== undefined) this.#send(listener, 'gpu', this.#gpuPanel);
    if (!this.#timer) {
      this.#heartbeat = setInterval(() => {
        for (const l of this.#listeners) l.response.write(': ping\n\n');
      }, HEARTBEAT_MS);
      this.#schedule(0);
    }
  }

  /** Ends every stream and stops reading the store. */
  close(): void {
    this.#closed = true;
    this.#stop();
    for (const listener of this.#listeners) listener.response.end();
    this.#listeners.clear();
  }

  #stop(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    this.#timer = undefined;
    this.#heartbeat = undefined;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      void this.#tick().finally(() => {
        if (this.#listeners.size > 0 && !this.#closed) this.#schedule(this.#pollMs);
        else this.#timer = undefined;
      });
    }, delayMs);
  }

  async #tick(): Promise<void> {
    const listeners = [...this.#listeners];
    try {
      const runs = JSON.stringify(await this.#library.list());
      const ids = new Set(listeners.map((l) => l.runId).filter((id): id is string => id !== undefined));
      const views = new Map<string, string>();
      for (const id of ids) views.set(id, JSON.stringify((await this.#library.run(id)) ?? null));
      for (const listener of listeners) {
        this.#send(listener, 'problem', 'null');
        this.#send(listener, 'runs', runs);
        if (listener.runId !== undefined) this.#send(listener, 'run', views.get(listener.runId) as string);
      }
    } catch (error) {
      const problem = JSON.stringify({ message: `Cannot read the store: ${(error as Error).message}` });
      for (const listener of listeners) this.#send(listener, 'problem', problem);
    }
    if (this.#gpu && performance.now() - this.#lastGpu >= this.#gpuPollMs) {
      this.#lastGpu = performance.now();
      this.#gpuPanel = JSON.stringify(await this.#gpu.sample());
      for (const listener of this.#listeners) this.#send(listener, 'gpu', this.#gpuPanel);
    }
  }

  #send(listener: Listener, event: string, json: string): void {
    if (listener.sent.get(event) === json) return;
    // `problem` starts out as none: nothing to clear on a page that never had one.
    if (event === 'problem' && json === 'null' && !listener.sent.has(event)) {
      listener.sent.set(event, json);
      return;
    }
    listener.sent.set(event, json);
    listener.response.write(`event: ${event}\ndata: ${json}\n\n`);
  }
}
