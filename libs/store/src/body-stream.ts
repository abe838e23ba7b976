import { Readable } from 'node:stream';
import type { ObjectBody } from './object-store.js';

/** A readable stream over any accepted body, without copying bytes. */
export function bodyStream(body: ObjectBody): Readable {
  if (body instanceof Readable) return body;
  if (body instanceof Uint8Array) return Readable.from([body]);
  return Readable.from(body);
}
