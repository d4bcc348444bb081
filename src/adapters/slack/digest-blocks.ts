import type { KnownBlock } from '@slack/types';
import type { DistributionConfig } from '../../config.js';
import { formatUsd } from '../../core/cost.js';
import { type DigestFigures, periodLabel } from '../../core/digest.js';
import { formatDuration } from '../../core/schedule.js';
import { textBar } from '../../core/usage.js';
import { actorWords, context, count, fitLines, type SlackMessage, section } from './blocks.js';

/** Request ids named per outcome line; more are counted. */
const IDS_SHOWN = 10;

/** The period's digest for a channel: usage and cost drawn as in `usage`, then how requests went. */
export function digestMessage(
  figures: DigestFigures,
  distributions: readonly DistributionConfig[],
): SlackMessage {
  const label = periodLabel(figures.period);
  const noun = figures.period.kind === 'weekly' ? 'this week' : 'this month';
  const blocks: KnownBlock[] = [
    section(`*Invalidation digest · ${label}* (UTC)\n${usageLines(figures, noun)}`),
  ];
  const byDistribution = figures.byDistribution.map(
    (row) =>
      `• \`${aliasOf(distributions, row.distributionId)}\` ${bar(row.paths, figures.paths)} ${count(row.paths, 'path')}`,
  );
  const byRequester = figures.byRequester.map((row) =>
    'restricted' in row
      ? `• :lock: restricted distributions ${count(row.paths, 'path')}`
      : `• ${actorWords(row.requester)} ${bar(row.paths, figures.paths)} ${count(row.paths, 'path')}`,
  );
  if (byDistribution.length > 0)
    blocks.push(section(`*Top distributions*\n${fitLines(byDistribution, byDistribution.length, 'more')}`));
  if (byRequester.length > 0)
    blocks.push(section(`*Top requesters*\n${fitLines(byRequester, byRequester.length, 'more')}`));
  blocks.push(section(`*Requests*\n${requestLines(figures)}`));
  blocks.push(
    context('Every submitted path counts, wildcards and cache tags as one; repeats are billed again.'),
  );
  return {
    text: `Invalidation digest · ${label}: ${count(figures.paths, 'path')}, ${formatUsd(figures.costUsd)}`,
    blocks,
  };
}

function usageLines(figures: DigestFigures, noun: string): string {
  if (figures.paths === 0) return `No invalidations ${noun}.`;
  const lines = [`Paths: *${figures.paths.toLocaleString('en-US')}* · cost: *${formatUsd(figures.costUsd)}*`];
  if (figures.freeAllowance) {
    const { used, free } = figures.freeAllowance;
    lines.push(
      `Free allowance: ${textBar(free === 0 ? 1 : used / free)} · ${used.toLocaleString('en-US')} of ${free.toLocaleString('en-US')} paths`,
    );
  }
  if (figures.externalPaths > 0)
    lines.push(`Made outside Invalidator: ${count(figures.externalPaths, 'path')}`);
  return lines.join('\n');
}

function requestLines(figures: DigestFigures): string {
  const median =
    figures.medianCompletionMs === undefined
      ? 'No request completed.'
      : `${count(figures.completed, 'request')} completed · median time from request to completion: *${formatDuration(figures.medianCompletionMs)}*`;
  const lines = [median, outcomeLine('Denied', figures.denied), outcomeLine('Expired', figures.expired)];
  const { savings } = figures;
  if (savings)
    lines.push(
      `Cheaper forms chosen: ${count(savings.requests, 'request')}, ${count(savings.paths, 'fewer path')}, *${formatUsd(savings.usd)}* saved`,
    );
  return lines.join('\n');
}

/** "Denied: 2 (INV-…, INV-…)", at most IDS_SHOWN ids named. */
function outcomeLine(word: string, ids: readonly string[]): string {
  if (ids.length === 0) return `${word}: none`;
  const named = ids.slice(0, IDS_SHOWN).join(', ');
  const more = ids.length > IDS_SHOWN ? ` and ${(ids.length - IDS_SHOWN).toLocaleString('en-US')} more` : '';
  return `${word}: ${ids.length.toLocaleString('en-US')} (${named}${more})`;
}

/** A short bar of one line's share of the period's paths. */
function bar(paths: number, total: number): string {
  return textBar(total === 0 ? 0 : paths / total, 8);
}

function aliasOf(distributions: readonly DistributionConfig[], id: string): string {
  return distributions.find((d) => d.id === id)?.alias ?? id;
}
