import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, rename, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { bodyStream } from './body-stream.js';
import { probeKey } from './check-probe.js';
import { openNewFile, syncDirectory, writeDurably } from './durable-file.js';
import { createLocalLeases } from './local-leases.js';
import { missingFolders, pseudoFileSystem, writeInFolder } from './make-folders.js';
import { bodyTag, entryFor, parseSidecar, type BodyTag, type Sidecar } from './local-sidecar.js';
import { validateMetadata } from './object-metadata.js';
import { fitRange, validateRange } from './byte-range.js';
import type {
  GetOptions,
  ObjectBody,
  ObjectInfo,
  ObjectStore,
  ObjectSummary,
  PutOptions,
  StoreCheckResult,
  StoredObject,
} from './object-store.js';
import { StoreError } from './store-error.js';
import { validateKey, validatePrefix } from './store-key.js';

const SIDECAR_SUFFIX = '.meta.json';
const PARTIAL_SUFFIX = '.partial';
/** A temporary file of a put: `<name>[.meta.json].<12 hex>.partial`; group 1 is the path of `<name>`. */
const PARTIAL_NAME = /^(.+?)(?:\.meta\.json)?\.[0-9a-f]{12}\.partial$/;

/** Options of {@link createLocalStore}. */
export interface LocalStoreOptions {
  /** The directory that holds the objects; created on the first write. Relative paths resolve against the working directory. */
  directory: string;
}

/**
 * An {@link ObjectStore} in a local directory. Keys become relative paths. A put writes the body and its
 * metadata sidecar (`<name>.meta.json`) to temporary `*.partial` files and flushes them; a replace then
 * renames a sidecar describing both the old and the new body into place, renames the new body over the
 * old one (one atomic step: there is always a body), and finally writes the plain new sidecar. Whatever
 * step a crash interrupts, the key holds the old body with its metadata or the new body with its
 * metadata, never no body (when there was one), never a body with another body's metadata, and never a
 * partial file under a final name. Keys ending in `.meta.json` or `.partial` are reserved.
 *
 * @example
 * ```ts
 * const store = createLocalStore({ directory: './output' });
 * await store.put('a.wav', new Uint8Array([1, 2, 3]), { metadata: { 'musicgen-model': 'small' } });
 * ```
 */
export function createLocalStore(options: LocalStoreOptions): ObjectStore {
  const root = resolve(options.directory);
  const pathOf = (key: string): string => {
    validateKey(key);
    if (key.endsWith(SIDECAR_SUFFIX) || key.endsWith(PARTIAL_SUFFIX)) {
      throw new RangeError(
        `Cannot use object key: names ending in "${SIDECAR_SUFFIX}" or "${PARTIAL_SUFFIX}" are reserved by the local store: got ${JSON.stringify(key)}`,
      );
    }
    return join(root, ...key.split('/'));
  };

  const head = async (key: string): Promise<ObjectInfo | undefined> => {
    const path = pathOf(key);
    const info = await stat(path, { bigint: true }).catch(ignoreMissing);
    if (!info?.isFile()) return undefined;
    const entry = entryFor(await readSidecar(path), bodyTag(info));
    return { key, bytes: Number(info.size), metadata: entry?.metadata ?? {} };
  };

  const store: ObjectStore = {
    location: root,
    leases: createLocalLeases(root),
    exists: async (key) => (await head(key)) !== undefined,
    head,

    async put(key: string, body: ObjectBody, putOptions: PutOptions = {}): Promise<ObjectInfo> {
      const path = pathOf(key);
      const metadata = validateMetadata({ ...(putOptions.metadata ?? {}) });
      const sidecar: Sidecar = {
        metadata,
        contentType: putOptions.contentType ?? 'application/octet-stream',
      };
      const token = randomBytes(6).toString('hex');
      const bodyTemp = `${path}.${token}${PARTIAL_SUFFIX}`;
      const sidecarPath = `${path}${SIDECAR_SUFFIX}`;
      const sidecarTemp = `${sidecarPath}.${token}${PARTIAL_SUFFIX}`;
      const writeSidecar = async (content: Sidecar) => {
        await writeDurably(sidecarTemp, bodyStream(Buffer.from(JSON.stringify(content))), putOptions.signal);
        await rename(sidecarTemp, sidecarPath);
      };
      try {
        // A concurrent check may remove the (empty) folder before the body's file is opened in it.
        const opened = await writeInFolder(dirname(path), () => openNewFile(bodyTemp));
        const bytes = await writeDurably(opened, bodyStream(body), putOptions.signal);
        const newTag = bodyTag(await stat(bodyTemp, { bigint: true }));
        const old = await stat(path, { bigint: true }).catch(ignoreMissing);
        if (old?.isFile()) {
          // Replace: a sidecar that describes both bodies, then the body, then the plain sidecar.
          const oldTag = bodyTag(old);
          const oldEntry = entryFor(await readSidecar(path), oldTag) ?? {
            metadata: {},
            contentType: 'application/octet-stream',
          };
          await writeSidecar({ ...sidecar, body: newTag, previous: { ...oldEntry, body: oldTag } });
          await rename(bodyTemp, path);
          await syncDirectory(dirname(path));
          if (await isBody(path, newTag)) await writeSidecar(sidecar);
        } else {
          await writeSidecar(sidecar);
          await rename(bodyTemp, path);
        }
        await syncDirectory(dirname(path));
        return { key, bytes, metadata };
      } catch (error) {
        await unlink(bodyTemp).catch(ignoreMissing);
        await unlink(sidecarTemp).catch(ignoreMissing);
        throw putOptions.signal?.aborted ? putOptions.signal.reason : error;
      }
    },

    async get(key: string, getOptions: GetOptions = {}): Promise<StoredObject> {
      const asked = getOptions.range && validateRange(getOptions.range, key);
      const info = await head(key);
      if (!info)
        throw new StoreError('NOT_FOUND', `Cannot get object: no object under ${JSON.stringify(key)}`);
      if (!asked) return { ...info, body: createReadStream(pathOf(key)) };
      const range = fitRange(asked, info.bytes, key);
      return { ...info, range, body: createReadStream(pathOf(key), range) };
    },

    async list(prefix = ''): Promise<ObjectSummary[]> {
      validatePrefix(prefix);
      const lastSlash = prefix.lastIndexOf('/');
      const start = lastSlash < 0 ? root : join(root, ...prefix.slice(0, lastSlash).split('/'));
      const found: ObjectSummary[] = [];
      await walk(start, async (file, size) => {
        if (file.endsWith(SIDECAR_SUFFIX) || file.endsWith(PARTIAL_SUFFIX)) return;
        const key = relative(root, file).split(sep).join('/');
        if (key.startsWith(prefix)) found.push({ key, bytes: size });
      });
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async delete(key: string): Promise<void> {
      const path = pathOf(key);
      await unlink(path).catch(ignoreMissing);
      await unlink(`${path}${SIDECAR_SUFFIX}`).catch(ignoreMissing);
    },

    async freeBytes(): Promise<number> {
      const { existing } = await missingFolders(root);
      const info = await statfs(existing);
      return info.bavail * info.bsize;
    },

    async removeStalePartials({ before, keep }): Promise<number> {
      let removed = 0;
      await walk(root, async (file) => {
        const match = PARTIAL_NAME.exec(file);
        if (!match?.[1]) return;
        const key = relative(root, match[1]).split(sep).join('/');
        const info = await stat(file).catch(ignoreMissing);
        if (!info || info.mtimeMs >= before.getTime() || (await keep(key))) return;
        await unlink(file).catch(ignoreMissing);
        removed += 1;
      });
      return removed;
    },

    async check(): Promise<StoreCheckResult> {
      const key = probeKey();
      // Folders the probe has to make are removed again: checking creates nothing (a dry run, or a
      // run that fails to start, leaves no empty output folder behind).
      const { missing, existing } = await missingFolders(root);
      const problem = (reason: string): StoreCheckResult => ({
        ok: false,
        problems: [`Cannot write to the output directory ${root}: ${reason}`],
      });
      const kind = await pseudoFileSystem(existing);
      if (kind !== undefined) {
        return problem(
          `${existing} is a ${kind} pseudo-file system, which holds no files; choose a directory on a disk`,
        );
      }
      try {
        await store.put(key, Buffer.from('probe'));
        await store.delete(key);
        await rmdir(dirname(pathOf(key))).catch(() => undefined);
        for (const folder of missing) await rmdir(folder).catch(() => undefined);
        return { ok: true, problems: [] };
      } catch (error) {
        for (const folder of missing) await rmdir(folder).catch(() => undefined);
        return problem(writeFailure((error as NodeJS.ErrnoException).code));
      }
    },
  };
  return store;
}

/** Why a write failed, and what to do, for the errno codes a user can act on. */
function writeFailure(code: string | undefined): string {
  switch (code) {
    case 'EROFS':
      return 'it is on a read-only file system (EROFS); choose another output directory or mount it read-write';
    case 'EACCES':
    case 'EPERM':
      return `this user may not write there (${code}); give this user write permission on it or choose another output directory`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full (${code}); free some space or choose another output directory`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `a part of the path is a file, not a directory (${code}); choose another output directory`;
    default:
      return `${code ?? 'unknown error'}; choose another output directory or give this user write permission on it`;
  }
}

/** Whether the file at `path` is still the body with tag `tag` (no other put replaced it meanwhile). */
async function isBody(path: string, tag: BodyTag): Promise<boolean> {
  const info = await stat(path, { bigint: true }).catch(ignoreMissing);
  return info !== undefined && JSON.stringify(bodyTag(info)) === JSON.stringify(tag);
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  const text = await readFile(`${path}${SIDECAR_SUFFIX}`, 'utf8').catch(ignoreMissing);
  return text === undefined ? undefined : parseSidecar(text);
}

async function walk(directory: string, visit: (file: string, size: number) => Promise<void>): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(ignoreMissing);
  for (const entry of entries ?? []) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await walk(path, visit);
    else if (entry.isFile()) await visit(path, (await stat(path)).size);
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
  throw error;
}
