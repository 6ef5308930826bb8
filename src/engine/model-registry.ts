// The model repository: one folder per model under MODELS_DIR, each with model.json. Models load
// lazily on first use (or at start when preloaded); a model that fails to load is reported
// unavailable with its reasons while the others keep serving.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from './engine-error.js';
import type { Device, SessionFactory } from './device.js';
import type { GraphSession } from './worker/graph-session.js';
import { samFamily } from './families/sam.js';
import { sam2Family } from './families/sam2.js';
import { groundingFamily } from './families/grounding.js';
import type { Family, LoadedGraphs } from './families/family.js';
import { checkManifest, type FamilyContract } from './manifest-check.js';
import { SAM2_VIDEO_CONTRACT } from './families/sam2-video.js';
import { PREPROCESS_CONTRACT } from './encoder-input.js';
import { readManifest, type ModelManifest } from './manifest.js';

export const FAMILIES: Record<ModelManifest['family'], Family> = { sam: samFamily, sam2: sam2Family, grounding: groundingFamily };

export interface LoadedModel extends LoadedGraphs {
  name: string;
  /** The model's folder (for files other than graphs, e.g. tokenizers). */
  dir: string;
  family: Family;
  device: Device;
  loadMs: number;
}

export interface ModelStatus {
  name: string;
  family?: string;
  version?: string;
  description?: string;
  capabilities?: ModelManifest['capabilities'];
  grounding?: string;
  inputSize?: number;
  state: 'unloaded' | 'loading' | 'loaded' | 'failed';
  device?: Device;
  loadMs?: number;
  error?: string;
}

interface Entry {
  name: string;
  dir: string;
  manifest?: ModelManifest;
  manifestError?: string;
  loading?: Promise<LoadedModel>;
  loaded?: LoadedModel;
  error?: string;
}

/** Every graph a model must ship: its family's, plus SAM 2's video modules when it declares video. */
export function graphContract(manifest: ModelManifest): FamilyContract {
  const base = FAMILIES[manifest.family].contract;
  // A preprocessing graph is optional: a model that names one has its encoder fed RGB through it.
  const withPre = manifest.files.preprocess ? { ...base, ...PREPROCESS_CONTRACT } : base;
  return manifest.family === 'sam2' && manifest.capabilities.video ? { ...withPre, ...SAM2_VIDEO_CONTRACT } : withPre;
}

export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();

  private constructor(private readonly sessions: SessionFactory) {}

  /** Reads every models/<name>/model.json; a bad manifest marks that model failed, not the server. */
  static async scan(dir: string, sessions: SessionFactory): Promise<ModelRegistry> {
    const reg = new ModelRegistry(sessions);
    const items = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const item of items.filter((i) => i.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const modelDir = path.join(dir, item.name);
      const entry: Entry = { name: item.name, dir: modelDir };
      try {
        entry.manifest = await readManifest(modelDir);
        if (entry.manifest.name !== item.name) {
          entry.manifestError = `model.json names the model "${entry.manifest.name}" but its folder is "${item.name}"`;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // not a model folder
        entry.manifestError = (err as Error).message;
      }
      reg.entries.set(item.name, entry);
    }
    return reg;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  manifest(name: string): ModelManifest | undefined {
    return this.entries.get(name)?.manifest;
  }

  status(): ModelStatus[] {
    return [...this.entries.values()].map((e) => ({
      name: e.name,
      family: e.manifest?.family,
      version: e.manifest?.version,
      description: e.manifest?.description,
      capabilities: e.manifest?.capabilities,
      grounding: e.manifest?.grounding,
      inputSize: e.manifest?.preprocessing.inputSize,
      state: e.loaded ? 'loaded' : e.error || e.manifestError ? 'failed' : e.loading ? 'loading' : 'unloaded',
      device: e.loaded?.device ?? (e.manifestError || e.error ? undefined : this.sessions.expectedDevice),
      loadMs: e.loaded?.loadMs,
      error: e.manifestError ?? e.error,
    }));
  }

  /** The loaded model, loading it on first use. */
  async get(name: string): Promise<LoadedModel> {
    const e = this.entries.get(name);
    if (!e) throw new EngineError('MODEL_NOT_FOUND', `Unknown model "${name}"; available: ${this.names().join(', ') || 'none'}`);
    if (e.loaded) return e.loaded;
    if (e.manifestError) throw new EngineError('MODEL_UNAVAILABLE', `Model "${name}" is unavailable: ${e.manifestError}`);
    if (e.error) throw new EngineError('MODEL_UNAVAILABLE', `Model "${name}" is unavailable: ${e.error}`);
    e.loading ??= this.load(e).then(
      (m) => {
        e.loaded = m;
        e.loading = undefined;
        return m;
      },
      (err: Error) => {
        e.loading = undefined;
        if (err instanceof EngineError && err.code === 'DEVICE_UNAVAILABLE') throw err; // configuration, not the model
        e.error = err.message;
        throw new EngineError('MODEL_UNAVAILABLE', `Model "${name}" is unavailable: ${err.message}`);
      },
    );
    return e.loading;
  }

  private async load(e: Entry): Promise<LoadedModel> {
    const manifest = e.manifest!;
    const family = FAMILIES[manifest.family];
    const contract = graphContract(manifest);
    const started = performance.now();
    const sessions: Record<string, GraphSession> = {};
    let device: Device = 'cpu';
    try {
      // Graphs are the .onnx files the contract names; other files (tokenizers) are read by their users.
      for (const graph of Object.keys(contract)) {
        const file = manifest.files[graph];
        if (!file) throw new Error(`model.json lists no file for the ${graph} graph`);
        const resolved = path.resolve(e.dir, file);
        if (!resolved.startsWith(e.dir + path.sep)) throw new Error(`files.${graph} points outside the model folder`);
        try {
          const created = await this.sessions.session(resolved);
          sessions[graph] = created.session;
          device = created.device;
        } catch (err) {
          if (err instanceof EngineError) throw err;
          throw new Error(`cannot load ${file}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      const problems = checkManifest(manifest, sessions, contract);
      if (problems.length) throw new Error(`model.json does not match its graphs:\n  - ${problems.join('\n  - ')}`);
    } catch (err) {
      await Promise.all(Object.values(sessions).map((s) => s.release().catch(() => undefined)));
      throw err;
    }
    return { name: e.name, dir: e.dir, manifest, sessions, family, device, loadMs: performance.now() - started };
  }

  async dispose(): Promise<void> {
    const loaded = [...this.entries.values()].map((e) => e.loaded).filter((m): m is LoadedModel => !!m);
    await Promise.all(loaded.flatMap((m) => Object.values(m.sessions).map((s) => s.release().catch(() => undefined))));
    for (const e of this.entries.values()) e.loaded = undefined;
  }
}
