import { describe, expect, it } from 'vitest';
import { parseDevstackArgs, UsageError } from './devstack-options.js';

describe('parseDevstackArgs', () => {
  it.each([
    [
      [],
      { s3Port: 4569, tritonPort: 8001, dataDir: '.devstack/s3', bucket: 'musicgen-dev', host: '127.0.0.1' },
    ],
    [
      [
        '--s3-port',
        '0',
        '--triton-port',
        '0',
        '--data-dir',
        '/tmp/s3',
        '--bucket',
        'my-bucket',
        '--host',
        '0.0.0.0',
      ],
      { s3Port: 0, tritonPort: 0, dataDir: '/tmp/s3', bucket: 'my-bucket', host: '0.0.0.0' },
    ],
    [
      ['--s3-port=9000'],
      { s3Port: 9000, tritonPort: 8001, dataDir: '.devstack/s3', bucket: 'musicgen-dev', host: '127.0.0.1' },
    ],
    [['--help'], 'help'],
  ])('parses %j', (args, expected) => {
    expect(parseDevstackArgs(args)).toEqual(expected);
  });

  it.each([
    [
      ['--s3-port=-1'],
      'Cannot start the local stack: --s3-port must be an integer from 0 to 65535: got "-1"',
    ],
    [
      ['--s3-port', '65536'],
      'Cannot start the local stack: --s3-port must be an integer from 0 to 65535: got "65536"',
    ],
    [
      ['--triton-port', 'x'],
      'Cannot start the local stack: --triton-port must be an integer from 0 to 65535: got "x"',
    ],
    [
      ['--bucket', 'No_Good'],
      'Cannot start the local stack: --bucket is not a valid bucket name: Cannot open store: bucket name "No_Good" may hold only lowercase letters, digits, "." and "-", and must start and end with a letter or digit: got "s3://No_Good"',
    ],
    [['--data-dir', ' '], 'Cannot start the local stack: --data-dir is empty: got ""'],
    [
      ['--s3-port', '-1'],
      "Cannot start the local stack: Option '--s3-port' argument is ambiguous. Did you forget to specify the option argument for '--s3-port'? To specify an option argument starting with a dash use '--s3-port=-XYZ'.; see --help",
    ],
    [['--verbose'], "Cannot start the local stack: Unknown option '--verbose'; see --help"],
    [
      ['extra'],
      "Cannot start the local stack: Unexpected argument 'extra'. This command does not take positional arguments; see --help",
    ],
  ])('rejects %j', (args, message) => {
    expect(() => parseDevstackArgs(args)).toThrow(new UsageError(message));
  });
});
