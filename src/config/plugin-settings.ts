import type { z } from 'zod';

/**
 * A plugin's own environment variables: a zod object keyed by variable name (checks across
 * variables as `superRefine` on it) and the step from parsed variables to the plugin's settings.
 * The host validates every plugin's schema together with its own (config.ts) and gives each plugin
 * its settings under `settingsToken(...)` (src/contract/plugin-settings.ts) in the plugin's container.
 */
export interface PluginSettings<T = unknown> {
  schema: z.ZodObject;
  build(variables: Record<string, unknown>): T;
}

export function definePluginSettings<S extends z.ZodObject, T>(schema: S, build: (variables: z.output<S>) => T): PluginSettings<T> {
  return { schema, build: build as (variables: Record<string, unknown>) => T };
}
