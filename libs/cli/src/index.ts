export { defineFlags, type FlagSpec, type FlagTable, type FlagValue, type OptionsOf } from './flag-table.js';
export { integer, decimal, nonBlank, numberText, type NumberRange } from './value-parsers.js';
export {
  defineProgram,
  defineCommands,
  type CliEnv,
  type CliProgram,
  type CommandInfo,
  type CommandTable,
  type ParseContext,
  type ParsedBy,
  type ParsedCommand,
  type ParsedFlags,
  type ProgramInfo,
} from './cli-program.js';
export { runProgram, errorMessage, EXIT, type ProgramHandlers, type ProgramIo } from './run-program.js';
export { UsageError } from './usage-error.js';
export { resolveBaseDir, loadEnvFile, runMain, type MainContext } from './entry.js';
export { MIN_NODE_VERSION, isSupportedNode, nodeSupportNotice } from './node-support.js';
export { InvalidArgumentError } from 'commander';
