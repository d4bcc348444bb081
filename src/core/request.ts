// The request lifecycle: its model, and the pure steps that move it from one status to the next.
export * from './capacity.js';
export * from './refusals.js';
export * from './request/approval.js';
export * from './request/card.js';
export * from './request/choice.js';
export * from './request/lifecycle.js';
export * from './request/model.js';
export * from './request/next-step.js';
export * from './request/notices.js';
export * from './request/submission.js';
export * from './request/verdict.js';
