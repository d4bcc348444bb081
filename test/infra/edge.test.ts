import { beforeAll, describe, expect, it } from 'vitest';
import { RESERVED_CONCURRENCY } from '../../infra/lib/stack.js';
import { createEmfMetrics } from '../../src/adapters/system/emf-metrics.js';
import { WORKER_METRICS } from '../../src/adapters/system/worker-metrics.js';
import type { Logger } from '../../src/usecases/ports.js';
import { SUBMISSION_METRICS } from '../../src/usecases/record-submission.js';
import { DUE_WORK_METRICS } from '../../src/usecases/run-due-work.js';
import { testConfig } from '../support/stack.js';
import { functionId, type Synthesized, synthesize } from './synth.js';

const CONFIG = testConfig({ polling: { firstCheckSeconds: 1, maxIntervalSeconds: 5 } });
const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface EmfLine {
  _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
  };
  [field: string]: unknown;
}

/** A metrics line with every metric the bot writes, under the stack's service name. */
function workerEmfLine(service: string): EmfLine {
  const lines: string[] = [];
  const metrics = createEmfMetrics({ service, logger: silent, write: (line) => lines.push(line) });
  metrics.seconds(WORKER_METRICS.oldestDueAge, 12);
  metrics.seconds(WORKER_METRICS.oldestInFlightAge, 0);
  metrics.count(SUBMISSION_METRICS.unrecorded);
  metrics.count(DUE_WORK_METRICS.unreadable);
  metrics.flush();
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as EmfLine;
}

interface AlarmProperties {
  Namespace?: string;
  MetricName: string;
  Dimensions?: Array<{ Name: string; Value: unknown }>;
}

describe('the edge of the stack', () => {
  let synth: Synthesized;

  beforeAll(async () => {
    synth = await synthesize(CONFIG, { bundle: false });
  });

  const reservedOf = (s: Synthesized, prefix: string) =>
    s.json.Resources[functionId(s, prefix)]?.Properties?.ReservedConcurrentExecutions;

  it('reserves concurrency for both functions by default, the Slack handler capped apart from the worker', () => {
    expect(reservedOf(synth, 'Slack')).toBe(RESERVED_CONCURRENCY.slack);
    expect(reservedOf(synth, 'Worker')).toBe(RESERVED_CONCURRENCY.worker);
  });

  it('takes the reserved concurrency of each function from the stack props', async () => {
    const custom = await synthesize(CONFIG, {
      bundle: false,
      props: { reservedConcurrency: { slack: 7 } },
    });
    expect(reservedOf(custom, 'Slack')).toBe(7);
    expect(reservedOf(custom, 'Worker')).toBe(RESERVED_CONCURRENCY.worker);
  });

  it('alarms on exactly the metrics the worker writes: same namespace, name and service dimension', () => {
    const service = 'Test';
    const emf = workerEmfLine(service);
    const [directive] = emf._aws.CloudWatchMetrics;
    const written = new Set(directive?.Metrics.map((metric) => metric.Name));
    // Every alarm on a custom metric reads one the worker writes, with the dimensions it writes them under.
    const alarms = Object.values(synth.json.Resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map((resource) => resource.Properties as unknown as AlarmProperties)
      .filter((alarm) => alarm.Namespace !== 'AWS/Lambda');
    expect(alarms.map((alarm) => alarm.MetricName).sort()).toEqual(
      [
        WORKER_METRICS.oldestDueAge,
        WORKER_METRICS.oldestInFlightAge,
        SUBMISSION_METRICS.unrecorded,
        DUE_WORK_METRICS.unreadable,
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.Namespace).toBe(directive?.Namespace);
      expect(written.has(alarm.MetricName)).toBe(true);
      expect(directive?.Dimensions).toContainEqual(alarm.Dimensions?.map((dimension) => dimension.Name));
      for (const dimension of alarm.Dimensions ?? []) expect(emf[dimension.Name]).toBe(dimension.Value);
    }
  });

  it('gives both functions the service name their metrics are written under', () => {
    for (const prefix of ['Slack', 'Worker']) {
      const fn = synth.json.Resources[functionId(synth, prefix)];
      const environment = fn?.Properties?.Environment as { Variables: Record<string, unknown> };
      expect(environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('Test');
    }
  });
});
