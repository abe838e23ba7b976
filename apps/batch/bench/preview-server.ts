// The preview engine in its own process, so the benchmark measures the client's CPU alone.
import { startPreviewEngine } from '@musicgen/preview-engine';

const engine = await startPreviewEngine({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${engine.url}\n`);
const stop = () => void engine.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
