import { afterAll, describe, expect, it } from 'vitest';
import { nextDigestBoundary } from '../../src/core/digest.js';
import { type Stack, startStack, testConfig } from '../support/stack.js';

describe('the usage digest', () => {
  let stack: Stack;
  afterAll(() => stack?.close());

  it('is scheduled at the next Monday or 1st when the bot starts', async () => {
    stack = await startStack({ config: testConfig({ digest: { channel: 'C0123LEADS' } }) });
    const started = new Date().toISOString();
    await stack.startBot();
    let task: Record<string, unknown> | undefined;
    for (let tries = 0; !task && tries < 50; tries++) {
      task = (await stack.plainItems()).find((item) => item.pk === 'TASK#digest#-');
      if (!task) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const expected = nextDigestBoundary(started, { weekly: true, monthly: true });
    expect(task).toMatchObject({ sk: 'TASK', taskKind: 'digest', taskDueAt: expected });
  });
});
