import type { Clock } from './services';

export const systemClock: Clock = { now: () => new Date() };
