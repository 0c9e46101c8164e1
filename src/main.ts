// The process: reads the configuration, starts Parley, and shuts it down gracefully on SIGTERM/SIGINT
// within SHUTDOWN_TIMEOUT_MS. A bad configuration exits at once with one line per problem. Logs are
// pretty on a terminal, JSON lines otherwise.
import { chooseLogFormat, startParley } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`parley: invalid configuration: ${problem}\n`);
    process.exit(2);
  }

  // A person at a terminal reads pretty lines; anything else (a pipe, a collector) gets JSON lines.
  const parley = await startParley(config, { logFormat: chooseLogFormat(process.stdout) });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    parley.logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      parley.logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    parley.close().then(
      () => {
        parley.logger.info('stopped');
        process.exitCode = 0;
      },
      (error: unknown) => {
        parley.logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `parley: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
