import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvText, type ExportRow, jsonText } from '../../../src/adapters/system/export-text.js';

async function* rowsOf(rows: ExportRow[]) {
  yield* rows;
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let all = '';
  for await (const chunk of chunks) all += chunk;
  return all;
}

const csvOf = async (rows: ExportRow[], columns: string[]) =>
  parse(await text(csvText(rowsOf(rows), columns)), { columns: true }) as Array<Record<string, string>>;

describe('audit export text', () => {
  it.each([
    ['=HYPERLINK("http://x","y")'],
    ['+1'],
    ['-2'],
    ['@SUM(A1)'],
    ['\t=1+1'],
    ['\rcmd'],
    ['=1+1, with "quotes"\nand a second line'],
  ])('writes a cell that starts with %j as text, never as a formula', async (reason) => {
    const [row] = await csvOf([{ reason, paths: 2 }], ['reason', 'paths']);
    expect(row?.reason).toBe(`'${reason}`);
  });

  it('leaves plain text and numbers, negative ones included, as they are', async () => {
    const [row] = await csvOf(
      [{ reason: 'release 4.2', costUsd: -0.5, paths: 3, automatic: false }],
      ['reason', 'costUsd', 'paths', 'automatic'],
    );
    expect(row).toEqual({ reason: 'release 4.2', costUsd: '-0.5', paths: '3', automatic: 'false' });
  });

  it('writes the header alone when there are no rows, and every row when there are many batches', async () => {
    expect(await text(csvText(rowsOf([]), ['at', 'reason']))).toBe('at,reason\r\n');
    const many = Array.from({ length: 1234 }, (_, n) => ({ at: String(n), reason: `=${n}` }));
    const rows = await csvOf(many, ['at', 'reason']);
    expect(rows.map((row) => row.at)).toEqual(many.map((row) => row.at));
    expect(rows.every((row) => row.reason?.startsWith("'="))).toBe(true);
  });

  it('keeps nested details nested in JSON, and writes them as JSON text in a CSV cell', async () => {
    const details = { reason: '=1+1', paths: 2, rules: ['wildcard'] };
    const json = JSON.parse(await text(jsonText(rowsOf([{ event: 'requested', details }])))) as unknown;
    expect(json).toEqual([{ event: 'requested', details }]);
    const [row] = await csvOf([{ event: 'requested', details }], ['event', 'details']);
    expect(JSON.parse(row?.details ?? '')).toEqual(details);
  });
});
