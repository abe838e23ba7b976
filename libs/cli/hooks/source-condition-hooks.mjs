// Module resolution hooks for the workspace's bin entries (`@musicgen/cli/source-hooks`): resolve
// workspace packages to their TypeScript sources through the `@musicgen/source` export condition (the
// same condition tsconfig's customConditions names). Plain JavaScript, so a bin can register it before
// anything TypeScript is loaded.
const CONDITION = '@musicgen/source';

export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes(CONDITION)
    ? context.conditions
    : [CONDITION, ...context.conditions];
  return nextResolve(specifier, { ...context, conditions });
}
