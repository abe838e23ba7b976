/**
 * The directory the user typed the command in. Under `nx run` the command runs at the workspace root,
 * while npm/npx record the directory it was typed in as `INIT_CWD`; Nx marks its tasks with
 * `NX_TASK_TARGET_PROJECT`. Everywhere else it is the working directory.
 *
 * @example
 * ```ts
 * resolveBaseDir({ NX_TASK_TARGET_PROJECT: 'batch', INIT_CWD: '/repo/songs' }, '/repo'); // '/repo/songs'
 * ```
 */
export function resolveBaseDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const typedIn = env['INIT_CWD'];
  return env['NX_TASK_TARGET_PROJECT'] && typedIn ? typedIn : cwd;
}
