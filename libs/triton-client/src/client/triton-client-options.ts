import type { ChannelCredentials, ChannelOptions, Client } from '@grpc/grpc-js';
import { validateBackoffOptions, type BackoffOptions } from '../retry/backoff.js';

/**
 * Options of {@link TritonClient}; every default is given here. Either `address` or `grpcClient` is
 * required.
 */
export interface TritonClientOptions {
  /** Triton's gRPC address as `host:port`, e.g. `127.0.0.1:8001`. */
  readonly address?: string;
  /**
   * A ready grpc-js Client to use instead of building one from `address` (channel override, e.g. a
   * client with custom interceptors or a test channel). The TritonClient does not close it.
   */
  readonly grpcClient?: Client;
  /** Channel credentials. Default: insecure (Triton has no authentication; tunnel it). */
  readonly credentials?: ChannelCredentials;
  /** Deadline of health, metadata and config calls, retries included, in ms. Default 10 000. */
  readonly deadlineMs?: number;
  /** Deadline of a unary ModelInfer call, retries included, in ms. Default 120 000. */
  readonly inferDeadlineMs?: number;
  /**
   * Deadline of one request on the stream, from sending it to its final response, in ms; 0 for none.
   * Default 600 000 (a 30 s window under full load takes minutes, not hours).
   */
  readonly streamRequestDeadlineMs?: number;
  /**
   * `shared` (default): one long-lived ModelStreamInfer call carries every request. `per-request`:
   * each request gets its own call, which is cancelled when the request is aborted, so the server can
   * free its slot (Triton has no per-request cancel message on a shared stream).
   */
  readonly streamMode?: 'shared' | 'per-request';
  /**
   * HTTP/2 keepalive ping interval in ms (`grpc.keepalive_time_ms`), sent while calls are open, so
   * that a server that stopped answering (frozen, or its network gone) fails the calls in flight with
   * UNAVAILABLE within `keepaliveTimeMs + keepaliveTimeoutMs`. Default 30 000. A server must accept
   * pings this often on a quiet connection: the pod runtime starts tritonserver with
   * `--grpc-http2-min-recv-ping-interval-without-data=10000` (Triton's default, 300 000, answers
   * pings more frequent than that with GOAWAY after two of them); the preview engine answers pings at
   * any interval.
   */
  readonly keepaliveTimeMs?: number;
  /** How long to wait for a ping ack before closing the connection, in ms. Default 10 000. */
  readonly keepaliveTimeoutMs?: number;
  /** Largest response message in bytes (`grpc.max_receive_message_length`). Default 512 MiB (grpc-js: 4 MiB). */
  readonly maxReceiveMessageBytes?: number;
  /** Largest request message in bytes; -1 for no limit. Default -1. */
  readonly maxSendMessageBytes?: number;
  /** Attempts in total for calls that are safe to repeat, failing with UNAVAILABLE. Default 4. */
  readonly maxAttempts?: number;
  /** Backoff between those attempts. Defaults: the BACKOFF_* constants. */
  readonly backoff?: BackoffOptions;
  /** Extra grpc-js channel options, applied last. */
  readonly channelOptions?: ChannelOptions;
}

/** {@link TritonClientOptions} with every default filled in. */
export type ResolvedTritonClientOptions = Required<
  Omit<TritonClientOptions, 'address' | 'grpcClient' | 'credentials' | 'channelOptions'>
> &
  Pick<TritonClientOptions, 'address' | 'grpcClient' | 'credentials' | 'channelOptions'>;

/** Defaults of {@link TritonClientOptions}. */
export const TRITON_CLIENT_DEFAULTS = Object.freeze({
  deadlineMs: 10_000,
  inferDeadlineMs: 120_000,
  streamRequestDeadlineMs: 600_000,
  streamMode: 'shared',
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  maxReceiveMessageBytes: 512 * 1024 * 1024,
  maxSendMessageBytes: -1,
  maxAttempts: 4,
  backoff: Object.freeze({}),
} as const);

/**
 * Fills in defaults and validates, before any connection is made.
 *
 * @throws {TypeError | RangeError} naming the option and its value.
 */
export function resolveTritonClientOptions(options: TritonClientOptions): ResolvedTritonClientOptions {
  const resolved = { ...TRITON_CLIENT_DEFAULTS, ...stripUndefined(options) } as ResolvedTritonClientOptions;
  if (resolved.grpcClient === undefined && !resolved.address) {
    throw new TypeError(
      `Cannot create a Triton client: 'address' (host:port) or 'grpcClient' is required: got ${JSON.stringify(resolved.address)}`,
    );
  }
  const positive = ['deadlineMs', 'inferDeadlineMs', 'keepaliveTimeMs', 'keepaliveTimeoutMs'] as const;
  for (const name of positive) {
    requireInteger(name, resolved[name], resolved[name] > 0, 'a positive integer');
  }
  requireInteger(
    'streamRequestDeadlineMs',
    resolved.streamRequestDeadlineMs,
    resolved.streamRequestDeadlineMs >= 0,
    'an integer >= 0',
  );
  requireInteger(
    'maxReceiveMessageBytes',
    resolved.maxReceiveMessageBytes,
    resolved.maxReceiveMessageBytes > 0 || resolved.maxReceiveMessageBytes === -1,
    'a positive integer or -1',
  );
  requireInteger(
    'maxSendMessageBytes',
    resolved.maxSendMessageBytes,
    resolved.maxSendMessageBytes > 0 || resolved.maxSendMessageBytes === -1,
    'a positive integer or -1',
  );
  requireInteger('maxAttempts', resolved.maxAttempts, resolved.maxAttempts >= 1, 'a positive integer');
  if (resolved.streamMode !== 'shared' && resolved.streamMode !== 'per-request') {
    throw new RangeError(
      `Cannot create a Triton client: 'streamMode' must be 'shared' or 'per-request': got ${JSON.stringify(resolved.streamMode)}`,
    );
  }
  validateBackoffOptions(resolved.backoff);
  return resolved;
}

function requireInteger(name: string, value: number, ok: boolean, what: string): void {
  if (!Number.isInteger(value) || !ok) {
    throw new RangeError(`Cannot create a Triton client: '${name}' must be ${what}: got ${value}`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
