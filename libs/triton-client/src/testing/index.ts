export { RpcStatusError } from '../server/rpc-status-error.js';
export {
  startTestTritonServer,
  type ScriptedModel,
  type TestTritonServer,
  type TestTritonServerOptions,
} from './test-triton-server.js';
export {
  fakeMusicgenLm,
  fakeEncodecDecode,
  fakeMusicgenInfo,
  fakeCode,
  fakeCodes,
  fakeAudio,
  responseFor,
  FAKE_LM_FAULTS,
  type FakeMusicgenLmOptions,
  type FakeEncodecDecodeOptions,
} from './fake-musicgen.js';
export { readInputs } from './read-inputs.js';
