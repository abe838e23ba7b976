import { nodeSupportNotice } from '@musicgen/cli';
import { parseDevstackArgs, USAGE, UsageError } from './devstack-options.js';
import { startDevstack } from './start-devstack.js';

// Exit codes: 0 stopped cleanly (Ctrl-C / SIGTERM) or --help, 1 failed to start or stop, 2 usage error.
async function main(): Promise<number> {
  const nodeNotice = nodeSupportNotice(process.env, process.version);
  if (nodeNotice) console.error(nodeNotice);
  let options;
  try {
    options = parseDevstackArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }

  let stack;
  try {
    stack = await startDevstack(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${options.s3Port} is taken (EADDRINUSE); choose another with --s3-port`
        : `${(error as Error).message}; if a port is taken, choose another with --s3-port or --triton-port`;
    console.error(`Cannot start the local stack: ${reason}`);
    return 1;
  }

  console.error(
    `Local S3 server (bucket "${options.bucket}", data in ${options.dataDir}) and preview engine ` +
      '(a synthesiser, not MusicGen) are running.',
  );
  console.error('Use these environment lines (export them, or put them in .env); Ctrl-C stops the stack:');
  process.stdout.write(stack.env.join('\n') + '\n');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.once(signal, () => process.exit(130));
  console.error(`${signal}: stopping the local stack...`);
  try {
    await stack.close();
  } catch (error) {
    console.error(`Cannot stop the local stack cleanly: ${(error as Error).message}`);
    return 1;
  }
  console.error('Local stack stopped.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
