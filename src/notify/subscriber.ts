import createPostgresSubscriberModule, { type Subscriber } from 'pg-listen';
import type { ClientConfig } from 'pg';
import type { Logger } from '../logging/logger';
import type { NotificationSender, NotificationSubscriber } from '../contract/services';

// pg-listen is CommonJS with `exports.default`; depending on the loader the default import is the
// function itself or the module object holding it.
const createPostgresSubscriber: typeof createPostgresSubscriberModule =
  (createPostgresSubscriberModule as unknown as { default?: typeof createPostgresSubscriberModule }).default ??
  createPostgresSubscriberModule;

type Handler = (payload: string, sender: NotificationSender) => void | Promise<void>;

export interface PgListenSubscriberOptions {
  /** Milliseconds between reconnect attempts (default 1000). Attempts never stop. */
  retryInterval?: number;
  /** Interval of the liveness query on the listening connection (default 30 s). */
  paranoidChecking?: number | false;
}

/**
 * LISTEN/NOTIFY over one dedicated connection (pg-listen) that reconnects forever and re-LISTENs
 * its channels. Payloads reach handlers as raw text (never parsed here: a payload is untrusted
 * input), with the sending backend's pid. After a reconnect the onReconnect handlers run, so listeners can catch up from tables:
 * notifications sent while the connection was down are lost.
 */
export class PgListenSubscriber implements NotificationSubscriber {
  readonly #subscriber: Subscriber;
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #reconnectHandlers: Array<() => void | Promise<void>> = [];
  #connected = false;
  #reconnecting = false;
  #closed = false;

  constructor(
    connection: ClientConfig,
    private readonly logger: Logger,
    options: PgListenSubscriberOptions = {},
  ) {
    this.#subscriber = createPostgresSubscriber(
      { ...connection, application_name: 'cotton-backup-listen' },
      {
        retryTimeout: Infinity,
        retryLimit: Infinity,
        retryInterval: options.retryInterval ?? 1000,
        paranoidChecking: options.paranoidChecking ?? 30_000,
        parse: (text: string) => text,
        serialize: (value: unknown) => String(value),
      },
    );
    const events = this.#subscriber.events;
    events.on('notification', ({ channel, payload, processId }) =>
      this.#dispatch(channel, typeof payload === 'string' ? payload : '', { processId: Number(processId) || 0 }),
    );
    events.on('error', (error) => this.logger.error({ err: error }, 'notification listener error'));
    events.on('reconnect', (attempt) => {
      this.#reconnecting = true;
      if (attempt === 1 || attempt % 30 === 0) this.logger.warn({ attempt }, 'notification listener lost its connection; reconnecting');
    });
    events.on('connected', () => {
      const wasReconnect = this.#connected && this.#reconnecting;
      this.#connected = true;
      this.#reconnecting = false;
      if (wasReconnect && !this.#closed) {
        this.logger.info('notification listener reconnected');
        void this.#runReconnectHandlers();
      }
    });
  }

  async connect(): Promise<void> {
    await this.#subscriber.connect();
  }

  async listen(channel: string, onNotification: Handler): Promise<void> {
    let set = this.#handlers.get(channel);
    if (!set) {
      set = new Set();
      this.#handlers.set(channel, set);
    }
    set.add(onNotification);
    await this.#subscriber.listenTo(channel);
  }

  onReconnect(handler: () => void | Promise<void>): void {
    this.#reconnectHandlers.push(handler);
  }

  /** Sends a notification on the listening connection (tests, tools). */
  async notify(channel: string, payload: string): Promise<void> {
    await this.#subscriber.notify(channel, payload);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#subscriber.close().catch((error: unknown) => this.logger.debug({ err: error }, 'closing notification listener'));
  }

  #dispatch(channel: string, payload: string, sender: NotificationSender): void {
    for (const handler of this.#handlers.get(channel) ?? []) {
      void (async () => handler(payload, sender))().catch((error: unknown) =>
        this.logger.error({ err: error, channel }, 'notification handler failed'),
      );
    }
  }

  async #runReconnectHandlers(): Promise<void> {
    for (const handler of this.#reconnectHandlers) {
      try {
        await handler();
      } catch (error) {
        this.logger.error({ err: error }, 'reconnect handler failed');
      }
    }
  }
}
