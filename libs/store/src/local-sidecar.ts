import type { BigIntStats } from 'node:fs';

/**
 * Which file a sidecar entry describes: its inode, size and modification time. A rename keeps all
 * three, so the tag taken from a temporary file still names it once it is renamed into place.
 */
export interface BodyTag {
  readonly ino: string;
  readonly bytes: string;
  readonly mtimeNs: string;
}

/** What the local store keeps beside a body (`<name>.meta.json`). */
export interface SidecarEntry {
  readonly metadata: Record<string, string>;
  readonly contentType: string;
}

/**
 * The sidecar file. Outside a replace it is one entry, and it describes whatever body is beside it (so a
 * copied folder keeps its metadata). During a replace it holds the new entry and the `previous` one,
 * each tagged with its body, so that whichever body a crash leaves in place is paired with its own
 * metadata.
 */
export interface Sidecar extends SidecarEntry {
  readonly body?: BodyTag;
  readonly previous?: SidecarEntry & { readonly body?: BodyTag };
}

/** The tag of a file from a `stat(..., { bigint: true })`. */
export function bodyTag(info: BigIntStats): BodyTag {
  return { ino: String(info.ino), bytes: String(info.size), mtimeNs: String(info.mtimeNs) };
}

function sameBody(a: BodyTag | undefined, b: BodyTag): boolean {
  return a !== undefined && a.ino === b.ino && a.bytes === b.bytes && a.mtimeNs === b.mtimeNs;
}

/**
 * The entry that describes the body with tag `body`: the sidecar itself outside a replace; during one,
 * the entry tagged with this body (an untagged `previous` is an older sidecar, which describes any body
 * but the new one). `undefined` when neither matches (a folder copied in the middle of a replace).
 */
export function entryFor(sidecar: Sidecar | undefined, body: BodyTag): SidecarEntry | undefined {
  if (sidecar === undefined) return undefined;
  const { previous } = sidecar;
  if (previous === undefined) return pick(sidecar);
  if (sameBody(sidecar.body, body)) return pick(sidecar);
  if (previous.body === undefined || sameBody(previous.body, body)) return pick(previous);
  return undefined;
}

function pick(entry: SidecarEntry): SidecarEntry {
  return { metadata: entry.metadata, contentType: entry.contentType };
}

/** Parses a sidecar file's text; `undefined` when it is not one (only an outside edit can garble it). */
export function parseSidecar(text: string): Sidecar | undefined {
  try {
    const value = JSON.parse(text) as Sidecar;
    return typeof value === 'object' && value !== null && typeof value.metadata === 'object'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}
