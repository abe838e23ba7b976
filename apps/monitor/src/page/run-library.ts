import {
  AUDIO_METADATA_NAMES,
  decodeAudioMetadata,
  parseRunProgress,
  type ObjectStore,
  type RunProgress,
} from '@musicgen/store';
import {
  parseReport,
  runView,
  summaryOf,
  type RunSummaryView,
  type RunView,
  type TrackView,
  type WavFacts,
} from './run-views.js';

/** A run's files under `reports/`: its report and/or its progress file. */
export interface RunFiles {
  readonly id: string;
  /** `20261128T100407Z`: when the run started. */
  readonly stamp: string;
  readonly reportKey?: string;
  readonly progressKey?: string;
}

const RUN_FILE = /^reports\/(\d{8}T\d{6}Z)-([A-Za-z0-9_-]{1,64})(\.progress)?\.json$/;

/**
 * The runs in a store listing, newest first (by start time, then id): each `reports/<stamp>-<id>.json`
 * (the report) and `reports/<stamp>-<id>.progress.json` (the progress file), paired by name.
 *
 * @example
 * ```ts
 * findRuns(await store.list('reports/')); // [{ id: 'a1b2c3', stamp: '20261128T100407Z', reportKey, progressKey }]
 * ```
 */
export function findRuns(listing: readonly { key: string }[]): RunFiles[] {
  const runs = new Map<string, { id: string; stamp: string; reportKey?: string; progressKey?: string }>();
  for (const { key } of listing) {
    const match = RUN_FILE.exec(key);
    if (!match) continue;
    const [, stamp, id, progress] = match as unknown as [string, string, string, string | undefined];
    const name = `${stamp}-${id}`;
    const run = runs.get(name) ?? { id, stamp };
    if (progress) run.progressKey = key;
    else run.reportKey = key;
    runs.set(name, run);
  }
  return [...runs.values()].sort((a, b) =>
    a.stamp !== b.stamp ? (a.stamp < b.stamp ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0,
  );
}

/** Reads at most this many objects of a store at once (WAV metadata). */
const HEAD_CONCURRENCY = 8;

/**
 * The runs of one store as the page shows them. Reports never change once written, so each is read once
 * (by key and size); progress files are read again on every call while their run has no report.
 * Each stored WAV's metadata is read once per key: its rendering, and the prompt, duration and seed a v1
 * report lacks (when the run has no progress file to give them).
 *
 * @example
 * ```ts
 * const library = new RunLibrary({ store });
 * const [newest] = await library.list();
 * const view = await library.run(newest.id);
 * ```
 */
export class RunLibrary {
  readonly #store: ObjectStore;
  readonly #now: () => number;
  readonly #reports = new Map<string, { bytes: number; report: ReturnType<typeof parseReport> }>();
  readonly #wav = new Map<string, WavFacts>();

  constructor(options: { store: ObjectStore; now?: () => number }) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
  }

  /** Every run, newest first. */
  async list(): Promise<RunSummaryView[]> {
    const runs = await this.#files();
    const views = await Promise.all(runs.map((run) => this.#view(run.files, run.bytes, false)));
    return views.filter((v): v is RunView => v !== undefined).map(summaryOf);
  }

  /** One run with its tracks, or undefined when the store has no such run. */
  async run(id: string): Promise<RunView | undefined> {
    const run = (await this.#files()).find((r) => r.files.id === id);
    return run && this.#view(run.files, run.bytes, true);
  }

  /** Every stored take of a prompt over all runs, newest run first, one per WAV. */
  async takes(prompt: string): Promise<(TrackView & { runId: string })[]> {
    const wanted = prompt.trim();
    const seen = new Set<string>();
    const takes: (TrackView & { runId: string })[] = [];
    for (const run of await this.#files()) {
      const view = await this.#view(run.files, run.bytes, true);
      for (const track of view?.tracks ?? []) {
        if (!track.audio || track.key === null || track.prompt?.trim() !== wanted || seen.has(track.key))
          continue;
        seen.add(track.key);
        takes.push({ ...track, runId: view?.id as string });
      }
    }
    return takes;
  }

  async #files(): Promise<{ files: RunFiles; bytes: ReadonlyMap<string, number> }[]> {
    const listing = await this.#store.list('reports/');
    const bytes = new Map(listing.map((o) => [o.key, o.bytes]));
    return findRuns(listing).map((files) => ({ files, bytes }));
  }

  async #view(
    files: RunFiles,
    bytes: ReadonlyMap<string, number>,
    withWav: boolean,
  ): Promise<RunView | undefined> {
    const report = files.reportKey
      ? await this.#report(files.reportKey, bytes.get(files.reportKey) ?? 0)
      : undefined;
    let progress: RunProgress | undefined;
    // A finished run's progress file only adds prompts and settings a v1 report lacks.
    if (files.progressKey && (withWav || !report)) {
      const key = files.progressKey;
      // A progress file caught half-written by a store without atomic replace reads again next time.
      progress = await this.#text(key)
        .then((text) => (text === undefined ? undefined : parseRunProgress(text, key)))
        .catch(() => undefined);
    }
    if (!report && !progress) return undefined;
    const wav = new Map<string, WavFacts>();
    if (withWav) {
      // Each stored WAV's metadata: the rendering (format, normalisation) everywhere, and the prompt,
      // duration and seed a v1 report lacks. Read once per key.
      const keys = (report?.jobs ?? progress?.jobs ?? [])
        .filter((job) => {
          const stored = 'status' in job ? job.status : job.state;
          return job.key !== null && (stored === 'generated' || stored === 'skipped');
        })
        .map((job) => job.key as string);
      await this.#readWavFacts([...new Set(keys)]);
      for (const key of keys) {
        const facts = this.#wav.get(key);
        if (facts) wav.set(key, facts);
      }
    }
    return runView({
      ...(report ? { report } : {}),
      ...(progress ? { progress } : {}),
      wav,
      now: this.#now(),
    });
  }

  async #report(key: string, bytes: number): Promise<ReturnType<typeof parseReport> | undefined> {
    const cached = this.#reports.get(key);
    if (cached && cached.bytes === bytes) return cached.report;
    const text = await this.#text(key);
    if (text === undefined) return undefined;
    const report = parseReport(text, key);
    this.#reports.set(key, { bytes, report });
    return report;
  }

  async #text(key: string): Promise<string | undefined> {
    try {
      const object = await this.#store.get(key);
      return Buffer.concat(await object.body.toArray()).toString('utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  async #readWavFacts(keys: readonly string[]): Promise<void> {
    const queue = keys.filter((key) => !this.#wav.has(key));
    const worker = async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const info = await this.#store.head(key).catch(() => undefined);
        if (!info) continue;
        this.#wav.set(key, wavFacts(info.metadata));
      }
    };
    await Promise.all(Array.from({ length: HEAD_CONCURRENCY }, worker));
  }
}

/** What a WAV's metadata tells the page; whatever is missing or unreadable is left out. */
export function wavFacts(metadata: Readonly<Record<string, string>>): WavFacts {
  const names = AUDIO_METADATA_NAMES;
  const facts: { -readonly [K in keyof WavFacts]: WavFacts[K] } = {};
  let decoded;
  try {
    decoded = decodeAudioMetadata({ ...metadata });
  } catch {
    // Broken metadata: the page shows what the report says.
  }
  if (decoded) {
    facts.prompt = decoded.prompt;
    facts.durationSeconds = decoded.durationSeconds;
    facts.seed = Number(decoded.seed);
    facts.model = decoded.model;
  }
  const format = metadata[names.format];
  const normalize = metadata[names.normalize];
  if (format && normalize) facts.rendering = { format, normalize };
  return facts;
}
