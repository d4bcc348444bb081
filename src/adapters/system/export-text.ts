import { type Options, stringify } from 'csv-stringify/sync';

/** One exported row: plain values, or a nested object (an event's details) that JSON keeps nested. */
export type ExportRow = Record<string, string | number | boolean | object | undefined>;

/** Rows given to csv-stringify at a time: the export streams, yet each call does a useful amount of work. */
const CSV_BATCH = 500;

/**
 * CSV per RFC 4180 (CRLF records, quoted where needed) that a spreadsheet opens as text: a cell that
 * starts with `=`, `+`, `-`, `@`, tab or carriage return (a reason typed in Slack, say) is prefixed with `'`
 * so it is never run as a formula, as OWASP advises (https://owasp.org/www-community/attacks/CSV_Injection).
 * Numbers stay numbers, negative ones too; a nested object becomes its JSON text.
 */
export function csvOptions(columns: readonly string[], header: boolean): Options {
  return {
    columns: [...columns],
    header,
    escape_formulas: true,
    record_delimiter: 'windows',
    // csv-stringify writes `false` as an empty cell by default; the export says what it means.
    cast: { boolean: (value) => String(value) },
  };
}

/** The rows as CSV text, header first, a batch of rows per chunk. */
export async function* csvText(rows: AsyncIterable<ExportRow>, columns: readonly string[]) {
  let batch: ExportRow[] = [];
  let header = true;
  for await (const row of rows) {
    batch.push(row);
    if (batch.length < CSV_BATCH) continue;
    yield stringify(batch, csvOptions(columns, header));
    header = false;
    batch = [];
  }
  if (batch.length > 0 || header) yield stringify(batch, csvOptions(columns, header));
}

/** The rows as one JSON array (a single valid document), a row per line, nested objects kept nested. */
export async function* jsonText(rows: AsyncIterable<ExportRow>) {
  let first = true;
  yield '[';
  for await (const row of rows) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(row)}`;
    first = false;
  }
  yield '\n]\n';
}
