import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { SSH_ENV } from './ssh-settings.js';
import { SshError } from './ssh-errors.js';

/**
 * Reads a private key file (OpenSSH, PEM or PuTTY `.ppk`) and checks that it can be used: decrypted
 * with `passphrase` when it is encrypted. Returns the file's bytes, which ssh2 takes as `privateKey`.
 *
 * @example
 * ```ts
 * const key = await readPrivateKey('/home/me/.ssh/id_ed25519', process.env.RUNPOD_SSH_KEY_PASSPHRASE);
 * ```
 *
 * @throws {SshError} `SSH_CONFIG`: the file is missing or unreadable, not a private key, encrypted
 * without a passphrase, or the passphrase is wrong. Messages name the file, never the passphrase.
 */
export async function readPrivateKey(path: string, passphrase: string | undefined): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : String(error);
    throw new SshError(
      'SSH_CONFIG',
      `Cannot read the SSH key ${SSH_ENV.key} as ${reason}: current value is "${path}"`,
    );
  }
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    const message = parsed.message;
    if (/no passphrase given/i.test(message)) {
      throw new SshError(
        'SSH_CONFIG',
        `Cannot use the SSH key ${path} as it is encrypted: set ${SSH_ENV.passphrase} (or load the key into your SSH agent and leave ${SSH_ENV.key} empty)`,
      );
    }
    if (/passphrase/i.test(message) || /decrypt/i.test(message)) {
      throw new SshError(
        'SSH_CONFIG',
        `Cannot decrypt the SSH key ${path} as ${SSH_ENV.passphrase} is wrong: check the passphrase`,
      );
    }
    throw new SshError(
      'SSH_CONFIG',
      `Cannot use the SSH key ${path} as it is not a private key ssh2 can read (${message}): point ${SSH_ENV.key} at the private half, for example ~/.ssh/id_ed25519 (not the .pub file)`,
    );
  }
  return data;
}
