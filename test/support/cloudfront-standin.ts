import { randomInt } from 'node:crypto';
import {
  type CloudFrontStandInOptions as BaseOptions,
  type CloudFrontStandIn as BaseStandIn,
  type Operation,
  startCloudFrontStandIn as startBaseStandIn,
} from '../../src/standins/cloudfront-standin.js';

export type { CloudFrontCall, StandInInvalidation } from '../../src/standins/cloudfront-standin.js';

/** A fault to answer with instead of (or before) normal processing. */
export interface CloudFrontFault {
  /** 'create' | 'get' | 'list' or 'any' */
  operation: Operation | 'any';
  /** AWS error code to answer with, e.g. 'Throttling'; the HTTP status is derived from the code. */
  code?: string;
  /** delay before answering (ms), for timeout tests */
  delayMs?: number;
  /** how many matching calls this fault applies to (default 1); Infinity allowed */
  times?: number;
  /** restrict to one distribution id */
  distributionId?: string;
  /** restrict to calls signed with one AWS account's keys (with the stand-in's `accounts`) */
  account?: string;
}

export interface CloudFrontStandInOptions extends Omit<BaseOptions, 'beforeAnswer'> {
  /** optional probabilistic faults: fraction 0..1 of calls per operation answered with one of `codes` */
  faultRate?: { rate: number; codes: string[]; operations?: Operation[] };
}

/** The CloudFront stand-in with injected faults, for tests. */
export interface CloudFrontStandIn extends BaseStandIn {
  inject(fault: CloudFrontFault): void;
  clearFaults(): void;
}

interface PendingFault {
  fault: CloudFrontFault;
  remaining: number;
}

type Call = { operation: Operation; distributionId: string; account?: string };

/** The playground's CloudFront stand-in, plus scripted and random faults answered before normal processing. */
export async function startCloudFrontStandIn(
  options: CloudFrontStandInOptions = {},
): Promise<CloudFrontStandIn> {
  const { faultRate, ...baseOptions } = options;
  const faults: PendingFault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const beforeAnswer = async (call: Call): Promise<string | undefined> => {
    const fault = takeFault(faults, call);
    if (fault?.delayMs) await sleep(timers, fault.delayMs);
    return fault?.code ?? randomFaultCode(faultRate, call.operation);
  };
  const base = await startBaseStandIn({ ...baseOptions, beforeAnswer });
  return {
    ...base,
    inject: (fault) => faults.push({ fault, remaining: fault.times ?? 1 }),
    clearFaults: () => faults.splice(0),
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return base.close();
    },
  };
}

/** Injected faults apply in the order they were injected; each use counts against `times`. */
function takeFault(faults: PendingFault[], call: Call): CloudFrontFault | undefined {
  const pending = faults.find(
    ({ fault, remaining }) =>
      remaining > 0 &&
      (fault.operation === 'any' || fault.operation === call.operation) &&
      (fault.distributionId === undefined || fault.distributionId === call.distributionId) &&
      (fault.account === undefined || fault.account === call.account),
  );
  if (!pending) return undefined;
  pending.remaining -= 1;
  if (pending.remaining <= 0) faults.splice(faults.indexOf(pending), 1);
  return pending.fault;
}

function randomFaultCode(
  faultRate: CloudFrontStandInOptions['faultRate'],
  operation: Operation,
): string | undefined {
  if (!faultRate || faultRate.codes.length === 0) return undefined;
  if (faultRate.operations && !faultRate.operations.includes(operation)) return undefined;
  if (Math.random() >= faultRate.rate) return undefined;
  return faultRate.codes[randomInt(faultRate.codes.length)];
}

function sleep(timers: Set<NodeJS.Timeout>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}
