/**
 * How Cotton's web UI shows a notification (`renderNotification.ts`, COTTON.md §5), for tests:
 * a title/content i18n key that exists in its locale files is rendered from that template with
 * `{{name}}` filled from the metadata (`i18n.param.x` fills `{{x}}`); otherwise the row's own
 * title/content is shown. Only the keys COTTON.md names exist; the English content template uses
 * exactly the placeholders it lists.
 */
export const COTTON_LOCALE: Readonly<Record<string, string>> = {
  'notifications:server.databaseRestoreCompleted.title': 'Database restored automatically',
  'notifications:server.databaseRestoreCompleted.content':
    'The database was restored from backup {{backupId}} ({{sourceDatabase}} on {{sourceHost}}:{{sourcePort}}), created ' +
    '{{backupCreatedUtc}} UTC ({{serverTimezone}}: {{backupCreatedLocal}}). Restore completed {{restoreCompletedUtcDisplay}} UTC ' +
    '({{restoreCompletedLocalDisplay}}).',
};

export interface RenderedNotification {
  title: string;
  content: string;
  /** Placeholders that rendered empty (missing or blank in the metadata). */
  emptyPlaceholders: string[];
  /** Which fields came from a template rather than the row. */
  fromTemplate: { title: boolean; content: boolean };
}

export function renderCottonNotification(row: { title: string; content: string | null; metadata: Record<string, string> | null }): RenderedNotification {
  const metadata = row.metadata ?? {};
  const empty: string[] = [];
  const render = (template: string) =>
    template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
      const value = metadata[`i18n.param.${name}`] ?? metadata[name] ?? '';
      if (value.trim() === '') empty.push(name);
      return value;
    });
  const titleTemplate = COTTON_LOCALE[metadata['i18n.titleKey'] ?? ''];
  const contentTemplate = COTTON_LOCALE[metadata['i18n.contentKey'] ?? ''];
  return {
    title: titleTemplate !== undefined ? render(titleTemplate) : row.title,
    content: contentTemplate !== undefined ? render(contentTemplate) : (row.content ?? ''),
    emptyPlaceholders: empty,
    fromTemplate: { title: titleTemplate !== undefined, content: contentTemplate !== undefined },
  };
}
