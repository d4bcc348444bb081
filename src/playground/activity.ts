import { billingMonth, formatUsd } from '../core/cost.js';
import { totalsOnly } from '../core/visibility.js';
import type { CloudFrontCall, CloudFrontStandIn } from '../standins/cloudfront-standin.js';
import type { Services } from '../usecases/ports.js';
import { usageReport } from '../usecases/reports.js';
import type { ActivityEntry, UsageBar } from './web/api.js';

/**
 * What happened underneath, for the playground's side panel: each CloudFront call the bot made and each
 * audit event it recorded, newest last, with the month's usage. Audit events are read back from the
 * store itself, so the panel shows what an auditor would find there.
 */

const KEPT_ENTRIES = 400;
const OPERATIONS = {
  create: 'CreateInvalidation',
  get: 'GetInvalidation',
  list: 'ListInvalidations',
  distributions: 'ListDistributions',
  config: 'GetDistributionConfig',
} as const;

export class Activity {
  private readonly entries: ActivityEntry[] = [];
  private readonly seenEvents = new Set<string>();
  private usage: UsageBar | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly services: Services,
    cloudfront: CloudFrontStandIn | undefined,
    private readonly changed: () => void,
  ) {
    this.unsubscribe = cloudfront?.onCall((call) => this.cloudFrontCall(call)) ?? (() => {});
  }

  /** The read under way, if any: a second refresh joins it, and closing waits for it before the store closes. */
  private reading: Promise<void> | undefined;

  async close(): Promise<void> {
    this.unsubscribe();
    await this.reading?.catch(() => {});
  }

  snapshot(): { entries: ActivityEntry[]; usage?: UsageBar } {
    return this.usage ? { entries: this.entries, usage: this.usage } : { entries: this.entries };
  }

  /** Reads the month's audit events and usage from the store; announces a change when there is one. */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    const month = billingMonth(this.services.clock.now());
    const fresh: ActivityEntry[] = [];
    for await (const { events } of this.services.audit.requestsCreatedIn(month)) {
      for (const event of events) {
        const key = `${event.requestId}#${event.key}`;
        if (this.seenEvents.has(key)) continue;
        this.seenEvents.add(key);
        const entry: ActivityEntry = {
          kind: 'audit',
          at: Date.parse(event.at),
          requestId: event.requestId,
          type: event.type,
          details: event.details,
        };
        if (event.actor !== undefined) entry.actor = event.actor;
        fresh.push(entry);
      }
    }
    const report = await usageReport(this.services, totalsOnly, month);
    const usage: UsageBar = {
      month,
      paths: report.paths,
      freePaths: this.services.policy.cost.freePathsPerMonth,
      cost: formatUsd(report.costUsd),
      projected: formatUsd(report.projectedUsd),
    };
    const usageChanged = JSON.stringify(usage) !== JSON.stringify(this.usage);
    this.usage = usage;
    if (fresh.length > 0) this.add(fresh);
    else if (usageChanged) this.changed();
  }

  private cloudFrontCall(call: CloudFrontCall): void {
    const entry: ActivityEntry = {
      kind: 'cloudfront',
      at: call.at,
      operation: OPERATIONS[call.operation],
      distributionId: call.distributionId,
      status: call.status,
    };
    if (call.errorCode !== undefined) entry.errorCode = call.errorCode;
    if (call.invalidationId !== undefined) entry.invalidationId = call.invalidationId;
    if (call.invalidationStatus !== undefined) entry.invalidationStatus = call.invalidationStatus;
    if (call.paths !== undefined) entry.paths = call.paths;
    if (call.callerReference !== undefined) entry.callerReference = call.callerReference;
    this.add([entry]);
  }

  private add(entries: ActivityEntry[]): void {
    this.entries.push(...entries);
    this.entries.sort((a, b) => a.at - b.at);
    this.entries.splice(0, Math.max(0, this.entries.length - KEPT_ENTRIES));
    this.changed();
  }
}
