import type { AckFn, RespondArguments, webApi } from '@slack/bolt';
import type { ExportFormat } from '../../../core/command.js';
import type { RowKind } from '../../../usecases/audit-rows.js';
import { COLUMNS } from '../../../usecases/audit-rows.js';
import {
  type ExportPart,
  type ExportScope,
  exportScope,
  monthExport,
} from '../../../usecases/month-export.js';
import type { Services } from '../../../usecases/ports.js';
import { csvText, jsonText } from '../../system/export-text.js';
import { plain } from '../blocks.js';
import { platformError } from '../cards.js';
import {
  EXPORT_ON_LAMBDA_TEXT,
  emptyExportText,
  exportFailedText,
  exportRefusalText,
  exportSentText,
  preparingExportText,
} from '../messages.js';
import type { ListenerFollowUps, Respond } from './follow-ups.js';

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, ...plain(text) });

/** A rendered part of the export: its file and how many rows it holds. */
interface ExportFile {
  kind: RowKind;
  rows: number;
  content: Buffer;
}

/**
 * `/invalidate export [YYYY-MM] [csv|json]`: the month's audit export, as `npm run audit` writes it, sent
 * as files in a DM to whoever asked (`conversations.open`, then `files.uploadV2`). Acknowledged at once:
 * reading a month and uploading can take longer than Slack's 3 seconds. Every failure after that is told
 * through the command's `response_url`, so no request ends in silence.
 * On Lambda the handler answers only once its listeners are done, so the export is not made there: the
 * answer names the command line instead.
 */
export async function exportByCommand(
  services: Services,
  request: { month?: string; format: ExportFormat },
  user: string,
  slack: { ack: AckFn<string | RespondArguments>; respond: Respond; client: webApi.WebClient },
  followUps: ListenerFollowUps,
): Promise<void> {
  const { ack, respond, client } = slack;
  if (followUps.cards === 'worker') return ack(ephemeral(EXPORT_ON_LAMBDA_TEXT));
  const month = request.month ?? services.clock.now().slice(0, 7);
  await ack(ephemeral(preparingExportText(month)));
  try {
    const scope = await exportScope(services, user);
    if (!scope.ok) {
      await respond(ephemeral(exportRefusalText(scope.error)));
      return;
    }
    const files = await render(monthExport(services, scope.value, month), request.format);
    await send(client, user, { month, format: request.format, scope: scope.value, files });
  } catch (error) {
    services.logger.error('an export from Slack failed', { user, month, error });
    await respond(ephemeral(exportFailedText(month, platformError(error))));
  }
}

/** Each part as the file `npm run audit --format <format>` would write, counting its rows on the way. */
async function render(parts: readonly ExportPart[], format: ExportFormat): Promise<ExportFile[]> {
  const files: ExportFile[] = [];
  for (const { kind, rows } of parts) {
    let count = 0;
    const counted = (async function* () {
      for await (const row of rows) {
        count += 1;
        yield row;
      }
    })();
    const chunks: string[] = [];
    const text = format === 'csv' ? csvText(counted, COLUMNS[kind]) : jsonText(counted);
    for await (const chunk of text) chunks.push(chunk);
    files.push({ kind, rows: count, content: Buffer.from(chunks.join(''), 'utf8') });
  }
  return files;
}

/**
 * The files with rows, in the person's DM with the bot, one comment above them saying how many rows each
 * holds; a month with no rows gets a message saying so instead of empty files.
 */
async function send(
  client: webApi.WebClient,
  user: string,
  made: { month: string; format: ExportFormat; scope: ExportScope; files: readonly ExportFile[] },
): Promise<void> {
  const { month, format, scope, files } = made;
  const opened = await client.conversations.open({ users: user });
  const channel = opened.channel?.id;
  if (channel === undefined) throw new Error('conversations.open gave no channel id');
  const only = scope.kind === 'approver' ? scope.distributions.map((d) => d.alias) : undefined;
  const withRows = files.filter((file) => file.rows > 0);
  if (withRows.length === 0) {
    await client.chat.postMessage({ channel, text: emptyExportText(month, only) });
    return;
  }
  await client.filesUploadV2({
    channel_id: channel,
    initial_comment: exportSentText(month, format, files, only),
    file_uploads: withRows.map((file) => ({
      file: file.content,
      filename: fileName(month, file.kind, format),
      title: `Invalidator audit ${month}: ${file.kind}`,
    })),
  });
}

/** `invalidator-audit-2026-12.csv` for the events (the CLI's default rows), the kind added for the others. */
function fileName(month: string, kind: RowKind, format: ExportFormat): string {
  return `invalidator-audit-${month}${kind === 'events' ? '' : `-${kind}`}.${format}`;
}
