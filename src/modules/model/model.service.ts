import type { Engine } from '../../engine/index.js';
import type { Model } from './model.type.js';

export class ModelService {
  constructor(
    private readonly engine: Engine,
    private readonly defaultModel: string,
  ) {}

  async list(): Promise<Model[]> {
    return this.engine.models().map((m) => ({
      name: m.name,
      family: (m.family ?? null) as Model['family'],
      version: m.version ?? null,
      description: m.description ?? null,
      capabilities: m.capabilities ?? null,
      device: m.device ?? null,
      state: m.state,
      loaded: m.state === 'loaded',
      available: m.state !== 'failed',
      loadTimeMs: m.loadMs ?? null,
      inputSize: m.inputSize ?? null,
      isDefault: m.name === this.defaultModel,
      error: m.error ?? null,
      grounding: m.grounding ?? null,
    }));
  }
}
