import type { Pool } from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { RouteOptions } from 'fastify';
import type { HostConfig } from '../config/config';
import type { ObjectStorage } from '../storage/object-storage';
import { token } from './tokens';

export interface Clock {
  now(): Date;
}

/** A request the HTTP server turned away (4xx): what an auditor needs, never the Authorization header. */
export interface HttpRejection {
  method: string;
  path: string;
  status: number;
  /** The error code answered, e.g. `unauthorized`, `invalid_json`, `body_too_large`, `not_found`. */
  reason: string;
  /** The start of the body when it was parsed, else the path. */
  sample: string;
  sizeBytes: number;
  /** The URL pattern of the route that answered; absent when no route serves the method and path, or the request could not be parsed. */
  route?: string;
  /** Whether the request carried an Authorization header (never its value): a refused token is someone trying one. */
  presentedCredentials?: boolean;
}

/** Routes a plugin adds to the host's HTTP server. */
export interface RouteRegistrar {
  /** Told of every rejected request, on any route (401s included), after the answer is sent. */
  onRejected(listener: (rejection: HttpRejection) => void): void;
  /** Behind `Authorization: Bearer <COTTON_ADMIN_TOKEN>`; closed (401) when no token is configured. */
  admin(route: RouteOptions): void;
  /** Open to anyone: health and the like. */
  public(route: RouteOptions): void;
}

/** LISTEN/NOTIFY on a dedicated connection that reconnects forever. */
export interface NotificationSender {
  processId: number;
}

export interface NotificationSubscriber {
  /**
   * Raw payload text; parsing is the listener's job (never trust a payload). `sender.processId` is
   * the pid of the backend that sent the NOTIFY, from PostgreSQL itself (a payload cannot forge it).
   */
  listen(channel: string, onNotification: (payload: string, sender: NotificationSender) => void | Promise<void>): Promise<void>;
  /** Called after every reconnect: notifications sent while disconnected are lost, so catch up from tables. */
  onReconnect(handler: () => void | Promise<void>): void;
}

export const HostTokens = {
  Config: token<HostConfig>('Config'),
  Logger: token<Logger>('Logger'),
  Clock: token<Clock>('Clock'),
  /** The Cotton database. */
  Pool: token<Pool>('Pool'),
  Storage: token<ObjectStorage>('Storage'),
  /** The 32 raw bytes of the master encryption key (COTTON.md §1). */
  MasterEncryptionKey: token<Buffer>('MasterEncryptionKey'),
  Boss: token<PgBoss>('Boss'),
  Notifications: token<NotificationSubscriber>('Notifications'),
  Routes: token<RouteRegistrar>('Routes'),
  /** In each plugin's own container: its parsed settings (typed by settingsToken, src/contract/plugin-settings.ts). */
  PluginSettings: token<unknown>('PluginSettings'),
} as const;
