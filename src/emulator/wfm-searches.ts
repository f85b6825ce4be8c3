import { randomUUID } from 'node:crypto';
import type {
  BuAgentSchedulesSearchResponseView,
  BuAsyncAgentSchedulesSearchResponseView,
} from './api-models';
import type { EventPublisher } from './event-publisher';
import type { WfmSearchMode } from './fault-state';

const MAX_DOWNLOADS = 200;

interface PendingSearch {
  operationId: string;
  businessUnitId: string;
  requesterId: string;
  result: BuAgentSchedulesSearchResponseView;
  timer: NodeJS.Timeout;
}

/**
 * Answers of `agentschedules/search` in each mode, the pending async operations and the documents served at
 * `downloadUrl`s. Async completion is announced on `v2.workforcemanagement.users.{requesterId}.schedules.search`
 * with `{operationId, businessUnitId, downloadUrl}`; the requester id of a client-credentials token is the
 * OAuth client id (the real service's behaviour for such tokens is unverified).
 */
export class WfmSearches {
  private readonly pending = new Map<string, PendingSearch>();
  private readonly downloads = new Map<string, unknown>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly publisher: EventPublisher,
    private readonly asyncDelayMs: () => number,
  ) {}

  answer(
    mode: WfmSearchMode,
    businessUnitId: string,
    requesterId: string,
    result: BuAgentSchedulesSearchResponseView,
  ): BuAsyncAgentSchedulesSearchResponseView {
    const operationId = randomUUID();
    switch (mode) {
      case 'inline':
        return { status: 'Complete', operationId, result, progress: 100 };
      case 'download':
        return { status: 'Complete', operationId, progress: 100, downloadUrl: this.store(result) };
      case 'stuck':
        return { status: 'Processing', operationId, progress: 0 };
      case 'async': {
        const timer = setTimeout(() => this.complete(operationId), this.asyncDelayMs());
        timer.unref();
        this.pending.set(operationId, { operationId, businessUnitId, requesterId, result, timer });
        return { status: 'Processing', operationId, progress: 0 };
      }
    }
  }

  /** Stores a document for a `downloadUrl` and returns that URL. */
  store(document: unknown): string {
    const id = randomUUID();
    this.downloads.set(id, document);
    if (this.downloads.size > MAX_DOWNLOADS) {
      const oldest = this.downloads.keys().next().value;
      if (oldest !== undefined) {
        this.downloads.delete(oldest);
      }
    }
    return `${this.baseUrl()}/downloads/wfm/${id}`;
  }

  download(id: string): unknown {
    return this.downloads.get(id);
  }

  /** Completes every pending async search now; returns how many. */
  completeAll(): number {
    const ids = [...this.pending.keys()];
    for (const id of ids) {
      this.complete(id);
    }
    return ids.length;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  reset(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
    }
    this.pending.clear();
    this.downloads.clear();
  }

  private complete(operationId: string): void {
    const search = this.pending.get(operationId);
    if (search === undefined) {
      return;
    }
    clearTimeout(search.timer);
    this.pending.delete(operationId);
    const downloadUrl = this.store(search.result);
    this.publisher.publish(`v2.workforcemanagement.users.${search.requesterId}.schedules.search`, {
      operationId,
      businessUnitId: search.businessUnitId,
      downloadUrl,
    });
  }
}
