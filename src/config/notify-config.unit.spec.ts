import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig as loadHostConfig } from './config';
import { backupSettingsOf, backupSettingsOwner } from '../../plugins/backup/settings/backup-settings';

function loadConfig(env: NodeJS.ProcessEnv) {
  return { backup: backupSettingsOf(loadHostConfig(env, [backupSettingsOwner])) };
}

describe('COTTON_BACKUP_NOTIFY and COTTON_BACKUP_NOTIFY_ROLES', () => {
  it('default to NOTIFY on, from any role', () => {
    expect(loadConfig({}).backup.notify).toEqual({ enabled: true, roles: undefined, perMinute: 10 });
  });

  it('turn NOTIFY off, or restrict it to a list of roles', () => {
    expect(loadConfig({ COTTON_BACKUP_NOTIFY: 'off' }).backup.notify.enabled).toBe(false);
    expect(loadConfig({ COTTON_BACKUP_NOTIFY_ROLES: 'etl,ops_admin' }).backup.notify.roles).toEqual(['etl', 'ops_admin']);
  });

  it('refuse anything else, naming the variable', () => {
    expect(() => loadConfig({ COTTON_BACKUP_NOTIFY: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ COTTON_BACKUP_NOTIFY: 'maybe' })).toThrow(/COTTON_BACKUP_NOTIFY/);
    expect(() => loadConfig({ COTTON_BACKUP_NOTIFY_ROLES: 'etl, ops' })).toThrow(/COTTON_BACKUP_NOTIFY_ROLES/);
    expect(() => loadConfig({ COTTON_BACKUP_NOTIFY_ROLES: 'etl,,ops' })).toThrow(/COTTON_BACKUP_NOTIFY_ROLES/);
    expect(() => loadConfig({ COTTON_BACKUP_NOTIFY_PER_MINUTE: '0' })).toThrow(/COTTON_BACKUP_NOTIFY_PER_MINUTE/);
  });

  it('COTTON_BACKUP_NOTIFY_PER_MINUTE sets the per-role rate', () => {
    expect(loadConfig({ COTTON_BACKUP_NOTIFY_PER_MINUTE: '250' }).backup.notify.perMinute).toBe(250);
  });
});
