// The CDK construct for another CDK app: `import { Invalidator } from 'invalidator/cdk'` (package.json
// `exports`). README, Deploy to AWS, shows it in use.
export { Invalidator, type InvalidatorProps, type InvalidatorTableProps } from './lib/invalidator.js';
export { InvalidatorStack, type InvalidatorStackProps } from './lib/stack.js';
