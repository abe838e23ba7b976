export {
  startTritonServer,
  type ServedModel,
  type TritonServer,
  type TritonServerOptions,
} from './start-triton-server.js';
export { RpcStatusError, unknownModelMessage } from './rpc-status-error.js';
export type { StreamSend } from './stream-call.js';
