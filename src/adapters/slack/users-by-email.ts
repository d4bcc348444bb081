import type { webApi } from '@slack/bolt';
import { platformError } from './cards.js';

/** Slack could not say whose an email is (not `users_not_found`: that is an answer). */
export class UserLookupError extends Error {
  constructor(
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`Slack could not look up a user by email (${code})`, options);
    this.name = 'UserLookupError';
  }
}

/**
 * Slack users by email with `users.lookupByEmail` (scope `users:read.email`). A person's email and user id
 * stay together, so a match is kept for the process's life; an email with no user is asked again next time
 * (someone may just have joined). https://docs.slack.dev/reference/methods/users.lookupByEmail
 */
export class SlackUsersByEmail {
  private readonly known = new Map<string, string>();

  constructor(private readonly client: webApi.WebClient) {}

  /** The Slack user with this email, or undefined when the workspace has none. Throws UserLookupError. */
  async userOf(email: string): Promise<string | undefined> {
    const key = email.toLowerCase();
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    try {
      const result = await this.client.users.lookupByEmail({ email });
      const id = result.user?.id;
      if (id !== undefined) this.known.set(key, id);
      return id;
    } catch (error) {
      const code = platformError(error);
      if (code === 'users_not_found') return undefined;
      throw new UserLookupError(code ?? 'unreachable', { cause: error });
    }
  }
}
