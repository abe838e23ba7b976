// Module resolution hooks for the workspace's bin entries (`@musicgen/cli/source-hooks`): resolve
// workspace packages to their TypeScript sources through the `@musicgen/source` export condition (the
// same condition tsconfig's customConditions names). Plain JavaScript, so a bin can register it before
// anything TypeScript is loaded.
import * as nodeModule from 'node:module';

const CONDITION = '@musicgen/source';

/** The resolve hook; synchronous, so that both module.registerHooks() and module.register() take it. */
export function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes(CONDITION)
    ? context.conditions
    : [CONDITION, ...context.conditions];
  return nextResolve(specifier, { ...context, conditions });
}

/**
 * Registers {@link resolve} for this process: in the loading thread with module.registerHooks() where
 * Node.js has it (22.15 and newer; Node.js 26 deprecates module.register() and warns on every start),
 * else with module.register().
 */
export function registerSourceHooks() {
  if (typeof nodeModule.registerHooks === 'function') nodeModule.registerHooks({ resolve });
  else nodeModule.register(import.meta.url);
}
