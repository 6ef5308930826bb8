// Every environment variable maskql reads, parsed and validated once at start.
// Nothing else in src/ reads process.env.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);
const list = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(4000, 0, 65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  MODELS_DIR: z.string().min(1).default('./models'),
  DEFAULT_MODEL: z.string().min(1).default('demo'),
  PRELOAD_MODELS: list,
  ENGINE_DEVICE: z.enum(['auto', 'cuda', 'cpu']).default('auto'),
  ENGINE_CONCURRENCY: int(1, 1, 64),
  // ONNX Runtime intra-op threads per session (0 = its default, a thread per core). 0 by measurement
  // on a quiet 2-core machine (bench/README.md, "ENGINE_THREADS"); 1 wins only when the cores are busy.
  ENGINE_THREADS: int(0, 0, 256),
  EMBEDDING_CACHE_MB: int(512, 0, 1 << 20),
  // Stored images encoded for DEFAULT_MODEL in the background (lowest device priority), so that
  // their first click is a cache hit (README "Background encoding").
  PREENCODE_IMAGES: bool.default('true'),
  INFERENCE_TIMEOUT_MS: int(60_000, 100),
  MEDIA_MAX_BYTES: int(50 * 1024 * 1024, 1),
  MEDIA_MAX_PIXELS: int(60_000_000, 1),
  MEDIA_MAX_SIDE: int(16_384, 1),
  VIDEO_MAX_BYTES: int(1024 * 1024 * 1024, 1),
  VIDEO_MAX_FRAMES: int(20_000, 1),
  FRAME_STORE_MB: int(128, 1, 1 << 20),
  MEDIA_ALLOWED_ROOTS: list,
  MAX_OBJECTS_PER_REQUEST: int(32, 1, 1024),
  MAX_POINTS_PER_OBJECT: int(64, 1, 4096),
  FFMPEG_PATH: z.string().min(1).optional(),
  FFPROBE_PATH: z.string().min(1).optional(),
  SESSION_MAX_OPEN: int(8, 1),
  SESSION_IDLE_TTL_SEC: int(1800, 1),
  SESSION_FRAME_CACHE_MB: int(256, 0),
  JOB_CONCURRENCY: int(1, 1, 64),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^/?#\s]+(\/\d{1,2})?$/, 'must be a redis:// or rediss:// URL (host[:port], optional /db)')
    .optional(),
  JOB_LOCK_MS: int(15_000, 1000, 3_600_000),
  JOB_STALLED_INTERVAL_MS: int(5000, 500, 3_600_000),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  WORKER_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _ . - only, at most 64').optional(),
  FLEET_HEARTBEAT_MS: int(1000, 100, 60_000),
  FLEET_WORKER_TTL_MS: int(3000, 300, 600_000),
  FLEET_CALL_CONCURRENCY: int(8, 1, 256),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - only, at most 64').default('maskql:'),
  SHUTDOWN_GRACE_MS: int(10_000, 0),
  INTROSPECTION: bool.optional(),
  QUERY_MAX_DEPTH: int(12, 1, 1000),
  QUERY_MAX_ALIASES: int(30, 0, 100_000),
  QUERY_MAX_COST: int(20_000, 1),
  WS_CONNECTION_INIT_TIMEOUT_MS: int(10_000, 100),
  WS_MAX_SUBSCRIPTIONS: int(50, 1, 100_000),
  WS_AUTH_RECHECK_MS: int(10_000, 100, 3_600_000),
  GRAPHQL_MAX_BODY_BYTES: int(1024 * 1024, 1024, 1 << 30),
  CORS_ORIGINS: list,
  ALLOWED_HOSTS: list,
  AUTH_MODE: z.enum(['none', 'apikey', 'jwt']).default('none'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_PUBLIC_KEY: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_REQUIRE_EXP: bool.optional(),
  RATE_LIMIT_PER_SEC: z.coerce.number().min(0).max(1e6).default(50),
  RATE_LIMIT_BURST: int(300, 1, 1e9),
  RATE_COST_READ: int(1, 0, 1e6),
  RATE_COST_WRITE: int(2, 0, 1e6),
  RATE_COST_INFERENCE: int(10, 0, 1e6),
  SESSION_MAX_OPEN_PER_KEY: int(4, 1),
  WS_MAX_SUBSCRIPTIONS_PER_KEY: int(200, 1, 1e6),
  EXPORT_RETENTION_SEC: int(7 * 24 * 3600, 1),
  DOWNLOAD_URL_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DOWNLOAD_URL_TTL_SEC: int(3600, 1, 30 * 24 * 3600),
  WEBHOOK_ALLOWED_HOSTS: list,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: list,
  WEBHOOK_MAX_ATTEMPTS: int(8, 1, 100),
  WEBHOOK_RETRY_BASE_MS: int(10_000, 10),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
});

export type Env = z.input<typeof schema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: string;
  dataDir: string;
  database: { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };
  models: { dir: string; defaultModel: string; preload: string[] };
  engine: {
    device: 'auto' | 'cuda' | 'cpu';
    concurrency: number;
    threads: number;
    embeddingCacheBytes: number;
    inferenceTimeoutMs: number;
    /** Encode every stored image in the background, at the lowest priority (PREENCODE_IMAGES). */
    preencodeImages: boolean;
  };
  media: {
    maxBytes: number;
    maxPixels: number;
    /** Largest accepted width or height of an image or video frame. */
    maxSide: number;
    videoMaxBytes: number;
    videoMaxFrames: number;
    /** The most one session's frame store takes on disk (a longer video goes through a window). */
    frameStoreBytes: number;
    allowedRoots: string[];
    ffmpegPath?: string;
    ffprobePath?: string;
    envPath?: string;
  };
  limits: { maxObjectsPerRequest: number; maxPointsPerObject: number };
  sessions: { maxOpen: number; maxOpenPerKey: number; idleTtlMs: number; frameCacheBytes: number };
  /** lockMs and stalledIntervalMs: BullMQ's takeover of a dead process's job (REDIS_URL only). */
  jobs: { concurrency: number; lockMs: number; stalledIntervalMs: number };
  /** Set when REDIS_URL is: events, jobs and limits are shared with the other processes. */
  redis?: { url: string; prefix: string };
  /** all: the whole server in one process; api: GraphQL without models; worker: models, jobs and routed calls (README "The fleet"). */
  role: Role;
  /** The worker registry and routed calls (split roles only): this worker's id, its heartbeat, when a silent worker counts as dead, and how many routed calls it runs at once. */
  fleet: { workerId: string; heartbeatMs: number; ttlMs: number; callConcurrency: number };
  shutdownGraceMs: number;
  introspection: boolean;
  query: { maxDepth: number; maxAliases: number; maxCost: number };
  ws: { connectionInitTimeoutMs: number; maxSubscriptions: number; maxSubscriptionsPerKey: number; authRecheckMs: number };
  /** GraphQL bodies of callers that may not send base64 media (and every graphql-ws frame before connection_ack). */
  http: { maxBodyBytes: number; corsOrigins: string[]; allowedHosts: string[] };
  auth: AuthConfig;
  rateLimit: { perSec: number; burst: number; cost: { read: number; write: number; inference: number } };
  exports: { retentionMs: number };
  /** Signed download URLs: the HMAC secret (a random one per process when unset) and their lifetime. */
  downloads: { secret?: string; ttlSec: number };
  /** allowedHosts: only these hosts (exact, or *.suffix) when non-empty; privateNetworks: CIDRs allowed although private or loopback. */
  webhooks: { allowedHosts: string[]; privateNetworks: string[]; maxAttempts: number; retryBaseMs: number; timeoutMs: number };
}

export type Role = 'all' | 'api' | 'worker';

export type AuthConfig =
  | { mode: 'none' }
  | { mode: 'apikey' }
  | { mode: 'jwt'; secret?: string; publicKey?: string; issuer?: string; audience?: string; requireExp: boolean };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (and the server's flags, which win); throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, argv: readonly string[] = []): Config {
  const input = Object.fromEntries(Object.entries({ ...env, ...flagsToEnv(argv) }).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(input[String(i.path[0])])})`),
    );
  }
  const e = parsed.data;
  if (e.AUTH_MODE === 'jwt' && !e.JWT_SECRET && !e.JWT_PUBLIC_KEY) {
    throw new ConfigError(['AUTH_MODE: jwt needs JWT_SECRET (HMAC) or JWT_PUBLIC_KEY (a PEM public key)']);
  }
  if (e.REDIS_URL && !e.DATABASE_URL) {
    // Processes that share events, jobs and limits must share the rows too: PGlite is one process's.
    throw new ConfigError(['REDIS_URL: shares work between processes, which then need one PostgreSQL: set DATABASE_URL too']);
  }
  if (e.ROLE !== 'all') {
    const missing = (['REDIS_URL', 'DATABASE_URL'] as const).filter((k) => !e[k]);
    // A split role shares its work through Redis and its rows through PostgreSQL.
    if (missing.length) throw new ConfigError([`ROLE=${e.ROLE}: a split role needs REDIS_URL and DATABASE_URL; missing: ${missing.join(', ')}`]);
  }
  if (e.FLEET_WORKER_TTL_MS < 2 * e.FLEET_HEARTBEAT_MS) {
    throw new ConfigError([`FLEET_WORKER_TTL_MS: must be at least twice FLEET_HEARTBEAT_MS (${e.FLEET_HEARTBEAT_MS}), or a live worker may look dead between two beats`]);
  }
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dir: path.join(dataDir, 'db') },
    models: { dir: path.resolve(e.MODELS_DIR), defaultModel: e.DEFAULT_MODEL, preload: e.PRELOAD_MODELS },
    engine: {
      device: e.ENGINE_DEVICE,
      concurrency: e.ENGINE_CONCURRENCY,
      threads: e.ENGINE_THREADS,
      embeddingCacheBytes: e.EMBEDDING_CACHE_MB * 1024 * 1024,
      inferenceTimeoutMs: e.INFERENCE_TIMEOUT_MS,
      preencodeImages: e.PREENCODE_IMAGES,
    },
    media: {
      maxBytes: e.MEDIA_MAX_BYTES,
      maxPixels: e.MEDIA_MAX_PIXELS,
      maxSide: e.MEDIA_MAX_SIDE,
      videoMaxBytes: e.VIDEO_MAX_BYTES,
      videoMaxFrames: e.VIDEO_MAX_FRAMES,
      frameStoreBytes: e.FRAME_STORE_MB * 1024 * 1024,
      allowedRoots: e.MEDIA_ALLOWED_ROOTS.map((r) => path.resolve(r)),
      ffmpegPath: e.FFMPEG_PATH,
      ffprobePath: e.FFPROBE_PATH,
      envPath: env.PATH,
    },
    limits: { maxObjectsPerRequest: e.MAX_OBJECTS_PER_REQUEST, maxPointsPerObject: e.MAX_POINTS_PER_OBJECT },
    sessions: {
      maxOpen: e.SESSION_MAX_OPEN,
      maxOpenPerKey: e.SESSION_MAX_OPEN_PER_KEY,
      idleTtlMs: e.SESSION_IDLE_TTL_SEC * 1000,
      frameCacheBytes: e.SESSION_FRAME_CACHE_MB * 1024 * 1024,
    },
    jobs: { concurrency: e.JOB_CONCURRENCY, lockMs: e.JOB_LOCK_MS, stalledIntervalMs: e.JOB_STALLED_INTERVAL_MS },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    role: e.ROLE,
    fleet: { workerId: e.WORKER_ID ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`, heartbeatMs: e.FLEET_HEARTBEAT_MS, ttlMs: e.FLEET_WORKER_TTL_MS, callConcurrency: e.FLEET_CALL_CONCURRENCY },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
    query: { maxDepth: e.QUERY_MAX_DEPTH, maxAliases: e.QUERY_MAX_ALIASES, maxCost: e.QUERY_MAX_COST },
    ws: { connectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS, maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS, maxSubscriptionsPerKey: e.WS_MAX_SUBSCRIPTIONS_PER_KEY, authRecheckMs: e.WS_AUTH_RECHECK_MS },
    http: { maxBodyBytes: e.GRAPHQL_MAX_BODY_BYTES, corsOrigins: e.CORS_ORIGINS.map(origin), allowedHosts: e.ALLOWED_HOSTS.map((h) => h.toLowerCase()) },
    auth: authConfig(e),
    rateLimit: { perSec: e.RATE_LIMIT_PER_SEC, burst: e.RATE_LIMIT_BURST, cost: { read: e.RATE_COST_READ, write: e.RATE_COST_WRITE, inference: e.RATE_COST_INFERENCE } },
    exports: { retentionMs: e.EXPORT_RETENTION_SEC * 1000 },
    downloads: { secret: e.DOWNLOAD_URL_SECRET, ttlSec: e.DOWNLOAD_URL_TTL_SEC },
    webhooks: {
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS.map((h) => h.toLowerCase()),
      privateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
  };
}

function authConfig(e: z.output<typeof schema>): AuthConfig {
  if (e.AUTH_MODE !== 'jwt') return { mode: e.AUTH_MODE };
  // A PEM may come through the environment with its newlines escaped.
  const publicKey = e.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n');
  return { mode: 'jwt', secret: e.JWT_SECRET, publicKey, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, requireExp: e.JWT_REQUIRE_EXP ?? e.NODE_ENV === 'production' };
}

/** An origin as browsers send it (scheme://host[:port], lower case, no path). No "*": list them. */
function origin(o: string): string {
  try {
    const url = new URL(o);
    if (url.origin === 'null') throw new Error('opaque');
    return url.origin;
  } catch {
    throw new ConfigError([`CORS_ORIGINS: ${JSON.stringify(o)} is not an origin (e.g. http://localhost:5173)`]);
  }
}

/**
 * The server's command-line flags, as the variables they set (flags win over the environment):
 * `--role api|worker|all` (or `--role=api`). Anything else is refused.
 */
export function flagsToEnv(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--role(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new ConfigError([`unknown argument ${JSON.stringify(argv[i])} (the server takes --role api|worker|all; settings come from the environment)`]);
    const value = m[1] ?? argv[++i];
    if (value === undefined) throw new ConfigError(['--role: needs a value (api, worker or all)']);
    out.ROLE = value;
  }
  return out;
}

/** The command-line client's server and key (src/cli): flags win over MASKQL_URL and MASKQL_KEY. */
export function cliEnv(env: Record<string, string | undefined> = process.env): { url: string; key?: string } {
  return { url: env.MASKQL_URL || 'http://127.0.0.1:4000', key: env.MASKQL_KEY || undefined };
}
