/**
 * Pushes state changes to the browsers that watch them. In AWS, through the WebSocket API's
 * `@connections` endpoint; locally, through the local WebSocket gateway's same endpoint.
 */
import type { GroupRollup } from '#store/group-rollup.ts';
import type { Status } from '#core/status.ts';

export interface CheckChange {
  checkId: string;
  status: Status;
  hard: boolean;
  hardStatus: Status;
  attempt: number;
  flapping: boolean;
  output: string;
  lastResultAtMs: number;
  lastChangeAtMs: number | null;
}

export interface SiteChanges {
  siteId: string;
  checks: CheckChange[];
  /** The groups above the changed checks, rolled up again. */
  groups: GroupRollup[];
}

export interface Push {
  publish(changes: SiteChanges): Promise<void>;
}

/** A Push that keeps what it is given: for tests, and until a WebSocket gateway is wired in. */
export class RecordingPush implements Push {
  readonly published: SiteChanges[] = [];

  async publish(changes: SiteChanges): Promise<void> {
    this.published.push(changes);
  }
}
