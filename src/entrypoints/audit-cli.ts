import { parseArgs } from 'node:util';
import { csvText, type ExportRow, jsonText } from '../adapters/system/export-text.js';
import { createLogger } from '../adapters/system/logger.js';
import { openStoresAlone } from '../compose/services.js';
import { ConfigError, findDistribution, parseStoreConfig } from '../config.js';
import {
  type ExportQuery,
  exportEvents,
  exportProposals,
  exportRefusals,
  exportRequests,
} from '../usecases/audit-export.js';
import {
  COLUMNS,
  eventRows,
  proposalRows,
  ROW_KINDS,
  type RowKind,
  refusalRows,
  requestRows,
} from '../usecases/audit-rows.js';
import type { Stores } from '../usecases/ports.js';
import { readConfigFile } from './load-config.js';

const USAGE = `Usage: npm run audit -- [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--distribution <alias>]
                      [--rows events|requests|refusals|proposals] --format csv|json
Streams every audit event (or one row per request, every refused command and click, or one row per deploy
proposal) of the period to
stdout, oldest first: the events recorded in the period, on requests of any age. In CSV, a cell that starts
with = + - @, tab or CR is written with a leading ' so that a spreadsheet shows it as text.
Reads the same environment and config file as the bot (TABLE_NAME, or the embedded store in
INVALIDATOR_DATA_DIR, which must not be open in a running bot at the same time).`;

const ROWS = ROW_KINDS;

/** `npm run audit`: the audit trail for finance and compliance, as CSV (RFC 4180) or JSON. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      distribution: { type: 'string' },
      rows: { type: 'string', default: 'events' },
      format: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const problems = argumentProblems(values);
  if (problems.length > 0) throw new ConfigError([...problems, USAGE]);
  const config = parseStoreConfig(process.env, await readConfigFile(process.env));
  const distribution = values.distribution ? findDistribution(config.policy, values.distribution) : undefined;
  if (values.distribution && !distribution) {
    throw new ConfigError([
      `unknown distribution ${values.distribution}: use one of ${config.policy.distributions.map((d) => d.alias).join(', ')}`,
    ]);
  }
  const logger = createLogger({
    level: 'warn',
    secrets: [],
    write: (line) => process.stderr.write(`${line}\n`),
  });
  const { stores, close } = await openStoresAlone(config, logger);
  const query: ExportQuery = {
    since: values.since ?? '2000-01-01',
    until: values.until ?? new Date().toISOString().slice(0, 10),
    ...(distribution ? { distributionId: distribution.id } : {}),
  };
  try {
    const kind = ROWS.find((row) => row === values.rows) ?? 'events';
    await write(await rowsOf(kind, stores, query), COLUMNS[kind], values.format === 'csv' ? 'csv' : 'json');
  } finally {
    await close();
  }
}

/** The rows of one kind, in the columns `COLUMNS` gives it. */
async function rowsOf(
  kind: RowKind,
  stores: Pick<Stores, 'audit' | 'refusals'>,
  query: ExportQuery,
): Promise<AsyncIterable<ExportRow>> {
  switch (kind) {
    case 'events':
      return eventRows(exportEvents(stores.audit, query));
    case 'requests':
      return requestRows(exportRequests(stores.audit, query));
    case 'refusals':
      return refusalRows(await exportRefusals(stores, query));
    case 'proposals':
      return proposalRows(exportProposals(stores.audit, query));
    default: {
      const unknownKind: never = kind;
      throw new ConfigError([`--rows must be one of ${ROWS.join(', ')}, not ${String(unknownKind)}`]);
    }
  }
}

function argumentProblems(values: Record<string, string | boolean | undefined>): string[] {
  const problems: string[] = [];
  if (values.format !== 'csv' && values.format !== 'json') problems.push('--format must be csv or json');
  if (!(ROWS as readonly unknown[]).includes(values.rows)) problems.push(`--rows must be ${ROWS.join(', ')}`);
  for (const name of ['since', 'until'] as const) {
    const value = values[name];
    if (typeof value === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(value))
      problems.push(`--${name} must be a date, YYYY-MM-DD`);
  }
  return problems;
}

type Row = ExportRow;

/** Streams rows out as they are read, waiting whenever stdout is full. */
async function write(
  rows: AsyncIterable<Row>,
  columns: readonly string[],
  format: 'csv' | 'json',
): Promise<void> {
  const out = (text: string) =>
    new Promise<void>((resolve) =>
      process.stdout.write(text) ? resolve() : process.stdout.once('drain', resolve),
    );
  for await (const text of format === 'csv' ? csvText(rows, columns) : jsonText(rows)) await out(text);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
