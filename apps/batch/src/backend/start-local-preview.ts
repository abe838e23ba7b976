import { startPreviewEngine } from '@musicgen/preview-engine';

/** A preview engine started by the CLI. */
export interface LocalPreview {
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Starts the preview engine (a synthesiser, not MusicGen) in this process on an ephemeral loopback port.
 *
 * @example
 * ```ts
 * const preview = await startLocalPreview();
 * // ... use preview.address as the Triton endpoint ...
 * await preview.close();
 * ```
 */
export async function startLocalPreview(): Promise<LocalPreview> {
  const engine = await startPreviewEngine({ host: '127.0.0.1', port: 0 });
  return { address: engine.url, close: () => engine.close() };
}
