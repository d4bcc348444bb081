import type { Persona } from './web/api.js';

/**
 * The local playground's made-up workspace: who you can be, the channel you type in, and the sample
 * configuration used when there is no config file.
 */

export const CHANNEL = { id: 'C0PLAYDEPLOYS', name: 'deploys' } as const;
export const ONCALL_GROUP = { id: 'S0PLAYONCALL', handle: 'oncall' } as const;
export const BOT = { id: 'UBOT000001', name: 'Invalidator' } as const;

export const PERSONAS: readonly Persona[] = [
  { id: 'U0PLAYALICE', name: 'Alice', role: 'engineer (requester)' },
  { id: 'U0PLAYOMAR', name: 'Omar', role: 'on-call approver' },
  { id: 'U0PLAYPRIYA', name: 'Priya', role: 'on-call approver' },
  { id: 'U0PLAYLEE', name: 'Lee', role: 'engineering lead' },
  { id: 'U0PLAYSAM', name: 'Sam', role: 'someone else' },
];

export const ONCALL_MEMBERS = ['U0PLAYOMAR', 'U0PLAYPRIYA'];
export const LEAD = 'U0PLAYLEE';

/**
 * Two distributions: `web` needs on-call approval for wildcards (or the lead's), `docs` never needs
 * approval. Polling is quick so that completion shows within seconds. Reconciliation is off: the playground's
 * CloudFront holds only what its own requests made, so reading it back would add to the activity feed and
 * count nothing.
 */
export const SAMPLE_CONFIG = {
  distributions: {
    web: {
      id: 'EPLAYGROUNDWEB',
      approval: 'wildcard',
      approvers: { usergroup: ONCALL_GROUP.id, users: [LEAD] },
    },
    docs: { id: 'EPLAYGROUNDDOC', approval: 'never' },
  },
  approvalTimeoutMinutes: 30,
  polling: { firstCheckSeconds: 1, maxIntervalSeconds: 3, slowNoticeMinutes: 15 },
  workLeaseSeconds: 10,
  usergroupCacheSeconds: 5,
  reconciliation: { enabled: false },
};

export const SAMPLE_CONFIG_PATH = '(the playground sample configuration)';
