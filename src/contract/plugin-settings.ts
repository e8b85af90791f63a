import type { PluginSettings } from '../config/plugin-settings';
import { HostTokens } from './services';
import type { Token } from './tokens';

// Config validates the schemas, so they are defined there; a plugin imports them from here with the token.
export { definePluginSettings, type PluginSettings } from '../config/plugin-settings';

/** The token under which a plugin finds its parsed settings (one per plugin container). */
export function settingsToken<T>(_settings: PluginSettings<T>): Token<T> {
  return HostTokens.PluginSettings as Token<T>;
}
