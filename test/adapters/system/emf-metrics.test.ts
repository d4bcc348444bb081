import { describe, expect, it } from 'vitest';
import { createEmfMetrics } from '../../../src/adapters/system/emf-metrics.js';
import { createLogger } from '../../../src/adapters/system/logger.js';

function recorder(service = 'invalidator-test') {
  const lines: string[] = [];
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', secrets: [], write: (line) => logs.push(line) });
  const metrics = createEmfMetrics({ service, logger, write: (line) => lines.push(line) });
  return {
    metrics,
    lines,
    logs,
    parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('metrics as CloudWatch Embedded Metric Format', () => {
  it('writes one line per flush, in namespace Invalidator with the service dimension', () => {
    const { metrics, parsed } = recorder('prod-invalidator');
    metrics.count('UnsavedSubmissions', 2);
    metrics.seconds('OldestDueAgeSeconds', 42);
    metrics.flush();
    const [line] = parsed();
    expect(parsed()).toHaveLength(1);
    expect(line).toMatchObject({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'Invalidator',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'UnsavedSubmissions', Unit: 'Count' },
              { Name: 'OldestDueAgeSeconds', Unit: 'Seconds' },
            ],
          },
        ],
      },
      service: 'prod-invalidator',
      UnsavedSubmissions: 2,
      OldestDueAgeSeconds: 42,
    });
  });

  it('counts by one unless told, and keeps each value of a flush', () => {
    const { metrics, parsed } = recorder();
    metrics.count('Refusals');
    metrics.count('Refusals');
    metrics.flush();
    expect(parsed()[0]?.Refusals).toEqual([1, 1]);
  });

  it('writes nothing, and warns of nothing, when nothing was recorded since the last flush', () => {
    const { metrics, lines, logs } = recorder();
    metrics.flush();
    metrics.seconds('OldestDueAgeSeconds', 1);
    metrics.flush();
    metrics.flush();
    expect(lines).toHaveLength(1);
    expect(logs).toEqual([]);
  });
});
