import type { BudgetCrossing } from '../../core/budgets.js';
import { textBar } from '../../core/usage.js';
import { type SlackMessage, section } from './blocks.js';
import { usedOf } from './messages.js';

/**
 * The thread warning of a request whose reservation took a budget across 50% or 80%:
 * ":warning: This request takes `web`'s month past 80% of its budget in USD: ▇▇▇▇▇▇▇▇▁▁ 81% · $9.75 of $12.00".
 */
export function budgetWarningMessage(crossing: BudgetCrossing): SlackMessage {
  const whose = crossing.distribution === undefined ? "the account's" : `\`${crossing.distribution}\`'s`;
  const unit = crossing.unit === 'usd' ? 'USD' : 'paths';
  const share = crossing.limit === 0 ? 1 : crossing.usedAfter / crossing.limit;
  const figures = usedOf(crossing.unit, crossing.usedAfter, crossing.limit);
  const text = `:warning: This request takes ${whose} month past ${Math.round(crossing.threshold * 100)}% of its budget in ${unit}: ${textBar(share)} · ${figures}.`;
  return { text, blocks: [section(text)] };
}
