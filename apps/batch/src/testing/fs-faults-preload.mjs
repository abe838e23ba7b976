// File-system faults for CLI tests, loaded into the command with `node --import` (NODE_OPTIONS), so the
// product code runs unchanged:
// - MUSICGEN_TEST_FS_DELAY_MS: every rename and unlink waits this long first (a slow or loaded disk),
//   which widens the windows between a write's steps so that a kill -9 lands inside them;
// - MUSICGEN_TEST_ENOSPC_DIR with MUSICGEN_TEST_ENOSPC_FLAG: while the flag file exists, opening a file
//   for writing under the folder fails with ENOSPC (a full disk, where no small file system can be
//   mounted).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const delayMs = Number(process.env.MUSICGEN_TEST_FS_DELAY_MS ?? 0);
const fullDir = process.env.MUSICGEN_TEST_ENOSPC_DIR;
const fullFlag = process.env.MUSICGEN_TEST_ENOSPC_FLAG;
const promises = fs.promises;

if (delayMs > 0) {
  for (const name of ['rename', 'unlink']) {
    const original = promises[name];
    promises[name] = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return original(...args);
    };
  }
}
if (fullDir && fullFlag) {
  const open = promises.open;
  promises.open = async (path, flags, mode) => {
    const writing = flags !== undefined && flags !== 'r';
    if (writing && String(path).startsWith(fullDir) && fs.existsSync(fullFlag)) {
      throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), {
        code: 'ENOSPC',
        errno: -28,
        syscall: 'open',
        path: String(path),
      });
    }
    return open(path, flags, mode);
  };
}
syncBuiltinESMExports();
