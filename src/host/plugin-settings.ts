import type { z } from 'zod';
import { HostTokens } from './services';
import type { Token } from './tokens';

/**
 * A plugin's own environment variables: a zod object keyed by variable name (checks across
 * variables as `superRefine` on it) and the step from parsed variables to the plugin's settings.
 * The host validates every plugin's schema together with its own (src/config/config.ts) and
 * gives each plugin its settings under `settingsToken(...)` in the plugin's container.
 */
export interface PluginSettings<T = unknown> {
  schema: z.ZodObject;
  build(variables: Record<string, unknown>): T;
}

export function definePluginSettings<S extends z.ZodObject, T>(schema: S, build: (variables: z.output<S>) => T): PluginSettings<T> {
  return { schema, build: build as (variables: Record<string, unknown>) => T };
}

/** The token under which a plugin finds its parsed settings (one per plugin container). */
export function settingsToken<T>(_settings: PluginSettings<T>): Token<T> {
  return HostTokens.PluginSettings as Token<T>;
}
