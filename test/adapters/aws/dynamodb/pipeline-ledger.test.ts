import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { DynamoDbPipelineLedger } from '../../../../src/adapters/aws/dynamodb/pipeline-ledger.js';
import { Table } from '../../../../src/adapters/aws/dynamodb/table.js';
import type { PipelineLedger } from '../../../../src/usecases/ports.js';
import { useDynalite } from '../../../support/dynalite.js';
import { MemoryStores } from '../../../support/memory-ports.js';

const AT = '2026-12-07T03:40:00.000Z';
let pipelines = 0;
const newPipeline = () => `web-deploy-${++pipelines}`;
const claim = (pipeline: string, key: string, n: number) => ({
  pipeline,
  key,
  requestId: `INV-${String(n).padStart(10, '0')}`,
  fingerprint: `sha256:${n}`,
  at: AT,
});

const client = useDynalite();

beforeAll(async () => {
  await ensureTable(client(), 'pipelines');
});

// The use cases' tests run on the in-memory ledger: it must behave as the DynamoDB one does.
describe.each([
  ['in DynamoDB', () => new DynamoDbPipelineLedger(new Table(client(), 'pipelines'))],
  ['in memory', () => new MemoryStores().pipelineLedger],
])('the pipeline ledger %s', (_, open: () => PipelineLedger) => {
  let ledger: PipelineLedger;
  beforeAll(() => {
    ledger = open();
  });

  describe('idempotency keys', () => {
    it('claims a key once; later claims get what the first one named, and overwrite nothing', async () => {
      const pipeline = newPipeline();
      expect(await ledger.claimKey(claim(pipeline, 'deploy-42', 1))).toEqual({ claimed: true });
      const earlier = { claimed: false, requestId: 'INV-0000000001', fingerprint: 'sha256:1' };
      expect(await ledger.claimKey(claim(pipeline, 'deploy-42', 2))).toEqual(earlier);
      expect(await ledger.claimKey(claim(pipeline, 'deploy-42', 3))).toEqual(earlier);
    });

    it('keeps the keys of each pipeline apart, and keys differing only in case', async () => {
      const [first, second] = [newPipeline(), newPipeline()];
      expect(await ledger.claimKey(claim(first, 'deploy-42', 1))).toEqual({ claimed: true });
      expect(await ledger.claimKey(claim(second, 'deploy-42', 2))).toEqual({ claimed: true });
      expect(await ledger.claimKey(claim(first, 'DEPLOY-42', 3))).toEqual({ claimed: true });
    });

    it('lets exactly one of many concurrent claims of a key win, and tells every other one who won', async () => {
      const pipeline = newPipeline();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, n) => ledger.claimKey(claim(pipeline, 'race', n))),
      );
      const winners = outcomes.flatMap((outcome, n) => (outcome.claimed ? [n] : []));
      expect(winners).toHaveLength(1);
      const winner = claim(pipeline, 'race', winners[0] ?? -1);
      for (const outcome of outcomes.filter((outcome) => !outcome.claimed)) {
        expect(outcome).toEqual({
          claimed: false,
          requestId: winner.requestId,
          fingerprint: winner.fingerprint,
        });
      }
    });

    it('takes keys of any length in UTF-8 bytes, long ones still told apart', async () => {
      const pipeline = newPipeline();
      // 3 bytes a character: far past the 1,024 bytes a sort key may hold.
      const long = '中'.repeat(2_000);
      expect(await ledger.claimKey(claim(pipeline, `${long}a`, 1))).toEqual({ claimed: true });
      expect(await ledger.claimKey(claim(pipeline, `${long}b`, 2))).toEqual({ claimed: true });
      expect(await ledger.claimKey(claim(pipeline, `${long}a`, 3))).toMatchObject({
        claimed: false,
        requestId: 'INV-0000000001',
      });
    });
  });

  describe('hourly counts', () => {
    it('allows `limit` requests in a UTC hour, then says when the hour ends', async () => {
      const pipeline = newPipeline();
      for (let n = 0; n < 3; n++) {
        expect(await ledger.countHourly(pipeline, AT, 3)).toEqual({ allowed: true });
      }
      expect(await ledger.countHourly(pipeline, '2026-12-07T03:59:59.500Z', 3)).toEqual({
        allowed: false,
        retryAfterSeconds: 1,
      });
      expect(await ledger.countHourly(pipeline, AT, 3)).toEqual({ allowed: false, retryAfterSeconds: 1_200 });
      expect(await ledger.countHourly(pipeline, '2026-12-07T04:00:00.000Z', 3)).toEqual({ allowed: true });
    });

    it('counts each pipeline on its own', async () => {
      const [first, second] = [newPipeline(), newPipeline()];
      expect(await ledger.countHourly(first, AT, 1)).toEqual({ allowed: true });
      expect(await ledger.countHourly(second, AT, 1)).toEqual({ allowed: true });
      expect((await ledger.countHourly(first, AT, 1)).allowed).toBe(false);
    });

    it('never lets concurrent requests past the limit', async () => {
      const pipeline = newPipeline();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => ledger.countHourly(pipeline, AT, 10)),
      );
      expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(10);
    });

    it('allows nothing under a limit below 1', async () => {
      const pipeline = newPipeline();
      expect(await ledger.countHourly(pipeline, AT, 0)).toEqual({ allowed: false, retryAfterSeconds: 1_200 });
      expect(await ledger.countHourly(pipeline, AT, 1)).toEqual({ allowed: true });
    });
  });
});
