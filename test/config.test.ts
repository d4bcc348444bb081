import { it } from 'vitest';
import { parse } from 'yaml';
import { type ConfigError, parseConfig } from '../src/config.js';

it('probe', () => {
  const cases: Array<[Record<string, string>, unknown]> = [
    [{}, { distributions: { web: { id: 'bad', aproval: 'x' } }, extra: 1 }],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: '99999' },
      { distributions: { help: { id: 'E2ABCDEF123XYZ' }, HELP: { id: 'E2ABCDEF123XYZ' } } },
    ],
    [
      { SLACK_BOT_TOKEN: 'abc', SLACK_SIGNING_SECRET: 's', PORT: 'abc', INVALIDATOR_CREATE_TABLE: 'maybe' },
      null,
    ],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: '' }, { distributions: {} }],
  ];
  for (const [env, content] of cases) {
    try {
      console.log(JSON.stringify(parseConfig(env, { path: 'c.yml', content })));
    } catch (e) {
      console.log((e as ConfigError).problems);
    }
  }
  console.log(
    JSON.stringify(
      parseConfig(
        {
          SLACK_BOT_TOKEN: 'xoxb-1',
          SLACK_SIGNING_SECRET: 's',
          INVALIDATOR_CREATE_TABLE: 'false',
          TABLE_NAME: 't',
        },
        { path: 'c.yml', content: parse('distributions:\n  web:\n    id: E2ABCDEF123XYZ\n') },
      ),
    ),
  );
});
