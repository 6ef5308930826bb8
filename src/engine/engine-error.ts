// Errors of the engine. It knows nothing of GraphQL: services map these codes to client errors.
export type EngineErrorCode =
  | 'MODEL_NOT_FOUND'
  | 'MODEL_UNAVAILABLE'
  | 'DEVICE_UNAVAILABLE'
  | 'INFERENCE_FAILED'
  | 'INFERENCE_TIMEOUT'
  | 'BAD_PROMPT'
  | 'UNSUPPORTED';

export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
