import type { Readable } from 'node:stream';
import type { JobLeases } from './lease.js';

/** What can be stored: bytes, or a stream of bytes (never buffered whole). */
export type ObjectBody = Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** Options of {@link ObjectStore.put}. */
export interface PutOptions {
  /** User metadata, see `validateMetadata`. Default: none. */
  metadata?: Record<string, string>;
  /** Content type. Default: `application/octet-stream`. */
  contentType?: string;
  /** Cancels the upload: the put rejects with the signal's reason and nothing is left under the key. */
  signal?: AbortSignal;
}

/** An object's key, size and user metadata. */
export interface ObjectInfo {
  key: string;
  bytes: number;
  metadata: Record<string, string>;
}

/** Options of {@link ObjectStore.get}. */
export interface GetOptions {
  /**
   * Only these bytes of the object: `start` to `end`, both inclusive and 0-based (HTTP's `bytes=start-end`).
   * An `end` past the object's last byte is cut to it; a `start` past it is a `RangeError`. Default: all.
   */
  range?: ByteRange;
}

/** Bytes `start` to `end` of an object, both inclusive and 0-based. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * An object read back: its info (`bytes` is always the whole object's size) and a stream of its bytes,
 * or of the part asked for, given as `range`.
 */
export interface StoredObject extends ObjectInfo {
  body: Readable;
  /** The bytes `body` carries when a range was asked for (its end cut to the object's last byte). */
  range?: ByteRange;
}

/** One entry of {@link ObjectStore.list}. */
export interface ObjectSummary {
  key: string;
  bytes: number;
}

/** The result of {@link ObjectStore.check}: `ok`, or one line per problem naming what to fix. */
export interface StoreCheckResult {
  ok: boolean;
  problems: string[];
}

/**
 * Where finished audio and run reports are kept: an S3 bucket (with a key prefix) or a local directory.
 * Keys are relative to the store's prefix or directory (`calm_1a2b3c4d.wav`, `reports/x.json`).
 *
 * @example
 * ```ts
 * const store = await openStore('./output');
 * await store.put('hello.txt', new TextEncoder().encode('hi'), { metadata: { purpose: 'demo' } });
 * console.log(await store.head('hello.txt')); // { key: 'hello.txt', bytes: 2, metadata: { purpose: 'demo' } }
 * ```
 */
export interface ObjectStore {
  /** `s3://bucket/prefix/` or the absolute directory path. */
  readonly location: string;
  /** Whether an object exists under `key`. */
  exists(key: string): Promise<boolean>;
  /** The object's size and metadata, or `undefined` when there is none. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Stores `body` under `key`, replacing any object there; only a complete object ever appears. */
  put(key: string, body: ObjectBody, options?: PutOptions): Promise<ObjectInfo>;
  /**
   * Reads an object, or a byte range of it (streamed: a WAV player seeking in a large file reads only what
   * it plays); a `StoreError` with code `NOT_FOUND` when there is none.
   */
  get(key: string, options?: GetOptions): Promise<StoredObject>;
  /** Every object whose key starts with `prefix` (default: all), sorted by key. */
  list(prefix?: string): Promise<ObjectSummary[]>;
  /** Deletes an object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Checks that the store can be used (credentials, bucket, region, write permission) before work starts. */
  check(): Promise<StoreCheckResult>;
  /** Per-job leases kept in the store itself, so that two runs on one store never both make a job. */
  readonly leases: JobLeases;
  /** Bytes free for new objects, where the store has a limit (a local disk); absent for S3. */
  freeBytes?(): Promise<number>;
  /**
   * Removes the temporary files of writes that never finished (a killed run's `*.partial` files) that
   * were last changed before `before`, except those `keep` says a live run may still be writing (its
   * argument is the key the file was for). Resolves with how many were removed. Absent for S3 (a cut
   * upload leaves nothing visible there; see the README for incomplete multipart uploads).
   */
  removeStalePartials?(options: { before: Date; keep(key: string): Promise<boolean> }): Promise<number>;
}
