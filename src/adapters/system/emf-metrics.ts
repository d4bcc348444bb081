import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Logger, Metrics } from '../../usecases/ports.js';

/** The CloudWatch namespace of every metric the bot writes; the alarms read them there (infra/lib/alarms.ts). */
export const METRICS_NAMESPACE = 'Invalidator';
/** The one dimension of every metric: which deployment wrote it (the stack sets it to its own name). */
export const SERVICE_DIMENSION = 'service';
/** The `service` dimension where none is given (`POWERTOOLS_SERVICE_NAME`, read by the entrypoints). */
export const DEFAULT_SERVICE = 'invalidator';

/**
 * Metrics as CloudWatch Embedded Metric Format: one JSON line on stdout per flush, which CloudWatch Logs
 * turns into metrics for a Lambda function (and the CloudWatch agent or Container Insights for a server),
 * so the bot needs no cloudwatch:PutMetricData, which cannot be narrowed to a resource.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 * Powertools builds and checks the lines (names, units, the 100-metric limit); the line is written here,
 * through `write`, so that tests can read it and nothing else reaches stdout.
 */
export function createEmfMetrics(options: {
  /** the value of the `service` dimension */
  service: string;
  logger: Logger;
  write?: (line: string) => void;
}): Metrics {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const powertools = new PowertoolsMetrics({
    namespace: METRICS_NAMESPACE,
    serviceName: options.service,
    // Powertools' own warnings (a bad name or value) go through the project's logger and its redaction.
    logger: {
      debug: (...parts: unknown[]) => options.logger.debug(parts.map(String).join(' ')),
      info: (...parts: unknown[]) => options.logger.info(parts.map(String).join(' ')),
      warn: (...parts: unknown[]) => options.logger.warn(parts.map(String).join(' ')),
      error: (...parts: unknown[]) => options.logger.error(parts.map(String).join(' ')),
    },
  });
  return {
    count: (name, n = 1) => {
      powertools.addMetric(name, MetricUnit.Count, n);
    },
    seconds: (name, value) => {
      powertools.addMetric(name, MetricUnit.Seconds, value);
    },
    flush: () => {
      if (!powertools.hasStoredMetrics()) return;
      const line = JSON.stringify(powertools.serializeMetrics());
      powertools.clearMetrics();
      write(line);
    },
  };
}
