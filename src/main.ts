// Boot: config -> database -> engine -> http + ws server; and the shutdown path. Nothing else.
import 'reflect-metadata';
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(undefined, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const app = await startApp(config, log).catch((err: Error) => {
    // The structured line for log collectors, and one human line on stderr: no stack trace (the
    // messages of start failures say what to fix; LOG_LEVEL=debug logs the stack).
    log.fatal({ reason: err.message }, `maskql cannot start: ${err.message}`);
    log.debug({ err }, 'start failure');
    process.stderr.write(`maskql cannot start: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exit(1);
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => {
      log.error('shutdown grace period passed; exiting');
      process.exit(1);
    }, config.shutdownGraceMs).unref();
    await app.dispose();
    clearTimeout(force);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Ready only once a signal stops it cleanly (a supervisor may send one as soon as it reads this).
  const worker = config.role === 'worker';
  log.info({ role: config.role, ...(worker ? { workerId: config.fleet.workerId, health: `${app.url}/healthz` } : { url: `${app.url}/graphql` }), database: app.db.kind, models: app.engine.registry.names(), device: config.engine.device }, 'maskql ready');
}

void main();
