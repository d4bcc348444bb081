import {
  type ClickRefusalCode,
  type CommandRefusalCode,
  type Distribution,
  type InvalidationRequest,
  type RefusedAction,
  refusedClick,
  refusedCommand,
} from '../core/request.js';
import type { Services } from './ports.js';

/** What recording a refusal uses. */
export type RefusalServices = Pick<Services, 'refusals' | 'clock' | 'ids' | 'logger'>;

/**
 * Records a refused click on a request for audit (`refused` event, see Refusals.recordRefusal).
 * The person's answer never depends on it: if the store cannot record it, that is logged as an error and
 * the refusal is still answered.
 */
export async function recordClickRefusal(
  services: RefusalServices,
  request: InvalidationRequest,
  refusal: { action: RefusedAction; code: ClickRefusalCode; by: string },
): Promise<void> {
  const { clock, ids, logger } = services;
  const event = refusedClick(request, { ...refusal, refusalId: ids.refusalId() }, clock.now());
  try {
    await services.refusals.recordRefusal(event, request.createdAt);
  } catch (error) {
    logger.error('recording a refusal failed; the refusal was still answered', {
      requestId: request.id,
      ...refusal,
      error,
    });
  }
}

export interface RefusedCommandInput {
  user: string;
  channel: string;
  distribution: Distribution;
  code: CommandRefusalCode;
  text: string;
}

/** Records a refused command for audit, as recordClickRefusal does for clicks. */
export async function recordCommandRefusal(
  services: RefusalServices,
  input: RefusedCommandInput,
): Promise<void> {
  const { clock, ids, logger } = services;
  const refusal = refusedCommand({ ...input, id: ids.refusalId(), at: clock.now() });
  try {
    await services.refusals.recordCommandRefusal(refusal);
  } catch (error) {
    logger.error('recording a refusal failed; the refusal was still answered', {
      user: input.user,
      channel: input.channel,
      distribution: input.distribution.alias,
      code: input.code,
      error,
    });
  }
}
