/** A preview engine started by the CLI. */
export interface LocalPreview {
  readonly address: string;
  close(): Promise<void>;
}

interface PreviewEngineModule {
  startPreviewEngine?: (options?: { port?: number; host?: string }) => Promise<{
    url: string;
    port: number;
    close(): Promise<void>;
  }>;
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
  const module = (await import('@musicgen/preview-engine')) as PreviewEngineModule;
  if (typeof module.startPreviewEngine !== 'function') {
    throw new Error(
      'Cannot start the preview engine: this build of @musicgen/preview-engine has no startPreviewEngine',
    );
  }
  const engine = await module.startPreviewEngine({ host: '127.0.0.1', port: 0 });
  return { address: `127.0.0.1:${engine.port}`, close: () => engine.close() };
}
