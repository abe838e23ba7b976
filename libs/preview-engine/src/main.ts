/**
 * `nx run preview:serve [--port N] [--host H] [--frames-per-second F]`: runs the preview engine until
 * Ctrl-C (SIGINT) or SIGTERM, then stops cleanly with exit code 0. Exit code 2: bad arguments;
 * 1: the engine could not start (for example, the port is taken).
 */
import { startPreviewEngine } from './preview-engine.js';
import { parseServeArgs, serveUsage } from './serve-options.js';

async function main(): Promise<number> {
  let command;
  try {
    command = parseServeArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${serveUsage()}`);
    return 2;
  }
  if (command.help) {
    console.error(serveUsage());
    return 0;
  }
  let engine;
  try {
    engine = await startPreviewEngine(command.options);
  } catch (error) {
    console.error((error as Error).message);
    return error instanceof RangeError ? 2 : 1;
  }
  console.error(`preview engine (a synthesiser, not MusicGen) listening on ${engine.url}`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.error(`preview engine: ${signal} received, stopping`);
  await engine.close();
  console.error('preview engine: stopped');
  return 0;
}

process.exit(await main());
