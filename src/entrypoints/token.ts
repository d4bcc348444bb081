// `npm run token -- <pipeline name>`: makes a new random token for a deploy pipeline of the HTTP API and
// prints it once, with the `tokenSha256` line to put in the policy file. The token itself is stored nowhere.
import { randomBytes } from 'node:crypto';
import { TOKEN_BYTES, tokenFrom, tokenSha256 } from '../adapters/http/pipeline-token.js';
import { pipelineNameProblem } from '../config.js';

const USAGE =
  'usage: npm run token -- <pipeline name>   (letters, digits, dot, dash and underscore; at most 64 characters)';

/** What to show: the token once, where to keep it, and the lines of the policy file that name its hash. */
function tokenText(name: string, token: string): string {
  return `New token for pipeline '${name}' (shown this once: it is not kept anywhere):

  ${token}

Store it as a secret of your CI (e.g. INVALIDATOR_TOKEN); the pipeline sends it as
Authorization: Bearer $INVALIDATOR_TOKEN to POST /api/v1/requests.

Put its SHA-256 in the policy file (invalidator.config.yml), then restart or redeploy the bot:

pipelines:
  ${name}:
    tokenSha256: ${tokenSha256(token)}
    distributions: [<alias>]   # the distributions it may request, by alias or id
    channel: <C… channel id>   # where its request cards are posted
`;
}

function main(args: readonly string[]): number {
  const [name, ...rest] = args;
  if (name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (name === undefined || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const problem = pipelineNameProblem(name);
  if (problem !== undefined) {
    process.stderr.write(`'${name}' cannot name a pipeline: ${problem}\n${USAGE}\n`);
    return 2;
  }
  process.stdout.write(tokenText(name, tokenFrom(randomBytes(TOKEN_BYTES))));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
