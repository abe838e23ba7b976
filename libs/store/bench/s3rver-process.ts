// Runs s3rver in its own process for the benchmark, so that the server's memory and CPU are not counted
// against the uploading process. Prints the endpoint as one JSON line, stops on SIGTERM.
import { startS3rver } from '../src/testing/index.js';

const s3 = await startS3rver({ buckets: ['bench-bucket'] });
process.stdout.write(JSON.stringify({ endpoint: s3.endpoint }) + '\n');
process.once('SIGTERM', () => {
  void s3.close().then(() => process.exit(0));
});
