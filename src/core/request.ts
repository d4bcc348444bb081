// The request lifecycle: its model, and the pure steps that move it from one status to the next.
export * from './approval-steps.js';
export * from './capacity.js';
export * from './delivery-steps.js';
export * from './notice-steps.js';
export * from './refusals.js';
export * from './request-model.js';
