// Engine errors -> client errors with codes.
import { AppError, badInput, inferenceFailed, modelUnavailable } from '../../errors/app-errors.js';
import { EngineError } from '../../engine/engine-error.js';

export function mapEngineError(err: unknown): never {
  if (!(err instanceof EngineError)) throw err;
  switch (err.code) {
    case 'MODEL_NOT_FOUND':
      throw new AppError('NOT_FOUND', err.message, { field: 'input.model' });
    case 'MODEL_UNAVAILABLE':
    case 'DEVICE_UNAVAILABLE':
      throw modelUnavailable(err.message, { hint: err.hint });
    case 'INFERENCE_TIMEOUT':
      throw inferenceFailed(err.message, { reason: 'DEADLINE_EXCEEDED', hint: err.hint ?? 'The device is busy; retry later.' });
    case 'INFERENCE_FAILED':
      throw inferenceFailed(err.message);
    case 'BAD_PROMPT':
    case 'UNSUPPORTED':
      throw badInput(err.message);
  }
  throw err;
}
