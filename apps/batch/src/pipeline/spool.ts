import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isLeaseLive, type LeaseOwner } from '@musicgen/store';

/** Most bytes a run's spool holds by default (it is also kept below the disk's free space). */
export const DEFAULT_SPOOL_MAX_BYTES = 4 * 1024 ** 3;
/** Free space the spool leaves on its disk. */
const SPOOL_DISK_RESERVE_BYTES = 256 * 1024 ** 2;

/** One finished WAV waiting in the spool for the store. */
export interface SpoolEntry {
  /** File stem in the spool folder; entries sort oldest first by it. */
  readonly id: string;
  readonly key: string;
  readonly bytes: number;
  readonly metadata: Record<string, string>;
  readonly contentType: string;
}

/**
 * Where spools live by default: `$XDG_CACHE_HOME/musicgen-batch/spool` (else `~/.cache/...`;
 * `%LOCALAPPDATA%\musicgen-batch\spool` on Windows).
 */
export function defaultSpoolRoot(env: Readonly<Record<string, string | undefined>>): string {
  if (process.platform === 'win32' && env['LOCALAPPDATA'])
    return join(env['LOCALAPPDATA'], 'musicgen-batch', 'spool');
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'musicgen-batch', 'spool');
}

/** The folder of one store's spools: one per store location, so a run only sees its own store's audio. */
export function locationFolder(root: string, location: string): string {
  return join(root, createHash('sha256').update(location).digest('hex').slice(0, 16));
}

/**
 * A run's on-disk spool: finished WAVs that the store could not take, kept until they are uploaded.
 * One folder per run (`<root>/<store hash>/<run id>/`, with `owner.json` naming the run's process), so
 * two runs never touch each other's spool, and a later run can tell a killed run's spool (its process is
 * gone) from a live one. Each entry is `<id>.wav` and `<id>.json`, both flushed; the `.json` is renamed
 * into place last, so an entry exists only when whole.
 *
 * @example
 * ```ts
 * const spool = await Spool.open({ root: defaultSpoolRoot(process.env), location: store.location, owner });
 * const entry = await spool.add('calm_1a2b3c4d.wav', wav, metadata, 'audio/wav');
 * await store.put(entry.key, spool.body(entry), { metadata: entry.metadata });
 * await spool.remove(entry);
 * ```
 */
export class Spool {
  readonly directory: string;
  readonly maxBytes: number;
  #entries: SpoolEntry[] = [];
  #counter = 0;
  #bytes = 0;
  #made = false;
  readonly #owner: LeaseOwner;

  private constructor(directory: string, maxBytes: number, owner: LeaseOwner) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.#owner = owner;
  }

  /**
   * A spool for this run. Nothing is written until the first {@link add}. Its bound is `maxBytes`,
   * kept {@link SPOOL_DISK_RESERVE_BYTES} below the free space of the disk it is on.
   */
  static async open(options: {
    root: string;
    location: string;
    owner: LeaseOwner;
    maxBytes?: number;
  }): Promise<Spool> {
    const { root, location, owner, maxBytes = DEFAULT_SPOOL_MAX_BYTES } = options;
    const directory = join(locationFolder(root, location), owner.runId);
    const free = await freeBytesNear(root);
    const bound =
      free === undefined ? maxBytes : Math.max(0, Math.min(maxBytes, free - SPOOL_DISK_RESERVE_BYTES));
    return new Spool(directory, bound, owner);
  }

  /** WAVs waiting, oldest first. */
  get entries(): readonly SpoolEntry[] {
    return this.#entries;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether `bytes` more fit under the bound. */
  fits(bytes: number): boolean {
    return this.#bytes + bytes <= this.maxBytes;
  }

  /** Writes a WAV and its metadata durably; the entry is listed once both are on disk. */
  async add(
    key: string,
    body: Uint8Array,
    metadata: Record<string, string>,
    contentType: string,
  ): Promise<SpoolEntry> {
    if (!this.#made) {
      await mkdir(this.directory, { recursive: true });
      await writeDurably(join(this.directory, 'owner.json'), JSON.stringify(this.#owner));
      this.#made = true;
    }
    this.#counter += 1;
    const id = `${String(this.#counter).padStart(6, '0')}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
    const entry: SpoolEntry = { id, key, bytes: body.byteLength, metadata, contentType };
    try {
      await writeDurably(join(this.directory, `${id}.wav`), body);
      await writeDurably(join(this.directory, `${id}.json`), JSON.stringify(entry));
    } catch (error) {
      await removeEntryFiles(this.directory, id);
      throw error;
    }
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    return entry;
  }

  /** Takes over the entries of a dead run's spool (moved into this one, oldest first). */
  async adopt(abandoned: AbandonedSpool): Promise<void> {
    for (const entry of abandoned.entries) {
      const audio = await readFile(join(abandoned.directory, `${entry.id}.wav`));
      await this.add(entry.key, audio, entry.metadata, entry.contentType);
      await removeEntryFiles(abandoned.directory, entry.id);
    }
    await removeSpoolFolder(abandoned.directory);
  }

  /** The entry's WAV as a stream. */
  body(entry: SpoolEntry): Readable {
    return createReadStream(join(this.directory, `${entry.id}.wav`));
  }

  /** Drops an entry once the store holds it. */
  async remove(entry: SpoolEntry): Promise<void> {
    const at = this.#entries.indexOf(entry);
    if (at >= 0) {
      this.#entries.splice(at, 1);
      this.#bytes -= entry.bytes;
    }
    await removeEntryFiles(this.directory, entry.id);
  }

  /** Removes the run's folder when nothing is left in it (entries that are left stay for the next run). */
  async close(): Promise<void> {
    if (this.#made && this.#entries.length === 0) await removeSpoolFolder(this.directory);
  }
}

/** A spool left by a run whose process is gone, with its whole entries. */
export interface AbandonedSpool {
  readonly directory: string;
  readonly owner: LeaseOwner;
  readonly entries: readonly SpoolEntry[];
}

/**
 * The spools that runs on this store left behind and whose processes are gone (killed, crashed), with
 * their whole entries, oldest first. Spools of live runs (on this host) and of other hosts are left
 * alone. Half-written files (a run killed while spooling) are not entries.
 */
export async function abandonedSpools(root: string, location: string): Promise<AbandonedSpool[]> {
  const folder = locationFolder(root, location);
  const runs = await readdir(folder).catch(() => [] as string[]);
  const found: AbandonedSpool[] = [];
  for (const run of runs.sort()) {
    const directory = join(folder, run);
    const ownerText = await readFile(join(directory, 'owner.json'), 'utf8').catch(() => undefined);
    const owner = ownerText === undefined ? undefined : (JSON.parse(ownerText) as LeaseOwner);
    if (owner === undefined) {
      await removeSpoolFolder(directory); // made and killed before its first entry
      continue;
    }
    if (isLeaseLive({ ...owner, expiresAt: '9999-12-31T00:00:00.000Z' })) continue;
    const entries: SpoolEntry[] = [];
    for (const name of (await readdir(directory)).filter((n) => /^\d{6}-[0-9a-f]{8}\.json$/.test(n)).sort()) {
      const entry = JSON.parse(await readFile(join(directory, name), 'utf8')) as SpoolEntry;
      const size = await stat(join(directory, `${entry.id}.wav`)).then(
        (s) => s.size,
        () => -1,
      );
      if (size === entry.bytes) entries.push(entry);
    }
    found.push({ directory, owner, entries });
  }
  return found;
}

/** Deletes a spool folder and whatever is in it. */
export async function removeSpoolFolder(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true });
  await rmdir(join(directory, '..')).catch(() => undefined);
}

async function removeEntryFiles(directory: string, id: string): Promise<void> {
  await unlink(join(directory, `${id}.json`)).catch(() => undefined);
  await unlink(join(directory, `${id}.wav`)).catch(() => undefined);
}

/** Writes `content` to `path` through a flushed temporary file and a rename. */
async function writeDurably(path: string, content: Uint8Array | string): Promise<void> {
  const temp = `${path}.partial`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/** Free bytes on the disk that holds `folder` (or its nearest existing ancestor), when known. */
async function freeBytesNear(folder: string): Promise<number | undefined> {
  for (let current = folder; ; current = join(current, '..')) {
    const info = await statfs(current).catch(() => undefined);
    if (info) return info.bavail * info.bsize;
    if (join(current, '..') === current) return undefined;
  }
}
