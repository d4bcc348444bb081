import { existsSync } from 'node:fs';
import { ConfigError } from '../config.js';
import { runPlayground } from '../playground/run.js';
import { deploymentMeant } from '../playground/wants.js';

/** `npm run playground`: the local playground, whatever `npm start` would do with this environment. */
async function main(): Promise<void> {
  // The same .env file `npm start` reads, so both commands see the same settings.
  if (existsSync('.env')) process.loadEnvFile('.env');
  await runPlayground(process.env);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    const deployment = deploymentMeant(process.env);
    if (deployment) process.stderr.write(`(${deployment}, so the local playground does not start.)\n`);
  } else {
    process.stderr.write(
      `The playground could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
});
