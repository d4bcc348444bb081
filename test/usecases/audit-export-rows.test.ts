import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvText, type ExportRow } from '../../src/adapters/system/export-text.js';
import { pipelineRequester } from '../../src/core/request.js';
import { REQUEST_COLUMNS, requestRow } from '../../src/usecases/audit-export.js';
import { completed, created } from '../core/request/fixtures.js';

const PIPELINE_SOURCE = {
  pipeline: 'web-deploy',
  url: '=HYPERLINK("https://evil.example","x")',
  commit: '0123abcd4567ef890123abcd4567ef890123abcd',
  run: 'Deploy web #42',
};

async function csvOf(rows: ExportRow[]): Promise<{ header: string[]; records: string[][] }> {
  async function* all() {
    yield* rows;
  }
  let text = '';
  for await (const chunk of csvText(all(), REQUEST_COLUMNS)) text += chunk;
  const [header = [], ...records] = parse(text) as string[][];
  return { header, records };
}

describe('the request rows of the audit export', () => {
  it('keeps the columns existing consumers read, in their places, and adds the pipeline’s at the end', () => {
    expect(REQUEST_COLUMNS.slice(0, 12)).toEqual([
      'createdAt',
      'requestId',
      'status',
      'distribution',
      'distributionId',
      'requester',
      'paths',
      'billablePaths',
      'costUsd',
      'reason',
      'decidedBy',
      'invalidationIds',
    ]);
    expect(REQUEST_COLUMNS.slice(12)).toEqual(['pipeline', 'ciUrl', 'commit']);
  });

  it('carries a pipeline’s requester of record and what it sent, whole, with formulas defused in CSV', async () => {
    const request = created({ requester: pipelineRequester('web-deploy'), source: PIPELINE_SOURCE });
    const row = requestRow(request);
    expect(row).toMatchObject({
      requester: 'pipeline:web-deploy',
      pipeline: 'web-deploy',
      ciUrl: PIPELINE_SOURCE.url,
      commit: PIPELINE_SOURCE.commit,
    });
    const { header, records } = await csvOf([row]);
    const cells = Object.fromEntries(header.map((column, at) => [column, records[0]?.[at]]));
    expect(cells.requester).toBe('pipeline:web-deploy');
    expect(cells.ciUrl).toBe(`'${PIPELINE_SOURCE.url}`);
    expect(cells.commit).toBe(PIPELINE_SOURCE.commit);
  });

  it('leaves the pipeline columns empty for a person’s request', async () => {
    const row = requestRow(completed());
    expect(row).toMatchObject({ requester: 'U0DEV', decidedBy: 'U0LEAD', invalidationIds: 'I1' });
    expect([row.pipeline, row.ciUrl, row.commit]).toEqual([undefined, undefined, undefined]);
    const { records } = await csvOf([row]);
    expect(records[0]?.slice(12)).toEqual(['', '', '']);
  });

  it('writes every column it names, and no other', () => {
    const request = created({ requester: pipelineRequester('web-deploy'), source: PIPELINE_SOURCE });
    expect(Object.keys(requestRow(request)).sort()).toEqual([...REQUEST_COLUMNS].sort());
  });
});
