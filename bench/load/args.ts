// Command-line flags of the load run (and MASKQL_API_KEY from the environment).
export interface LoadOptions {
  /** A running server to target; without it, one is started (dist/src/main.js, fresh data dir). */
  url?: string;
  durationSec: number;
  clients: number;
  runs: number;
  /** Of the clients, how many run tracking sessions (kept under the server's SESSION_MAX_OPEN). */
  sessionClients: number;
  apiKey?: string;
  seed: number;
}

const USAGE = `node dist/bench/load/run.js [--url=http://host:port] [--duration=60] [--clients=50] [--runs=3]
  [--session-clients=4] [--api-key=KEY (or MASKQL_API_KEY)] [--seed=1]`;

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): LoadOptions {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}\n${USAGE}`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const known = ['url', 'duration', 'clients', 'runs', 'session-clients', 'api-key', 'seed', 'help'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown flag --${k}\n${USAGE}`);
  if (flags.has('help')) throw new Error(USAGE);
  const int = (name: string, def: number, min: number) => {
    const v = flags.has(name) ? Number(flags.get(name)) : def;
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}\n${USAGE}`);
    return v;
  };
  const clients = int('clients', 50, 1);
  return {
    url: flags.get('url')?.replace(/\/+$/, ''),
    durationSec: int('duration', 60, 1),
    clients,
    runs: int('runs', 3, 1),
    sessionClients: Math.min(clients, int('session-clients', Math.min(4, clients), 0)),
    apiKey: flags.get('api-key') ?? (env.MASKQL_API_KEY || undefined),
    seed: int('seed', 1, 0),
  };
}
