import {
  loadPackageDefinition,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

/** Absolute path of the shipped `grpc_service.proto` (package `inference`). */
export const GRPC_SERVICE_PROTO_PATH = fileURLToPath(
  new URL('../../proto/grpc_service.proto', import.meta.url),
);

/**
 * The @grpc/proto-loader options used for the service: snake_case field names as in the .proto,
 * int64 as decimal strings, enums as names, bytes as Buffer, defaults filled in, oneof names exposed.
 */
export const PROTO_LOADER_OPTIONS: Readonly<Options> = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

let cached: ServiceDefinition | undefined;

/**
 * Loads `proto/grpc_service.proto` and returns the `inference.GRPCInferenceService` definition, the
 * one both the client and any server (such as the preview engine) use. Loaded once, then cached.
 *
 * @example
 * ```ts
 * import { Server } from '@grpc/grpc-js';
 * import { loadInferenceService } from '@musicgen/triton-client';
 * const server = new Server();
 * server.addService(loadInferenceService(), implementation);
 * ```
 */
export function loadInferenceService(): ServiceDefinition {
  if (cached === undefined) {
    const definition = loadSync(GRPC_SERVICE_PROTO_PATH, PROTO_LOADER_OPTIONS);
    const inference = loadPackageDefinition(definition)['inference'] as GrpcObject;
    cached = (inference['GRPCInferenceService'] as ServiceClientConstructor).service;
  }
  return cached;
}
