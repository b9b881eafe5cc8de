import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One row per job-queue worker of a live process, touched every few seconds (src/jobs/worker.ts). Jobs
 * locked by a worker whose row went stale belong to a dead process and are unlocked at once,
 * rather than after graphile-worker's own 4 hours.
 */
@Entity({ tableName: 'job_worker_heartbeats' })
export class JobWorkerHeartbeat {
  @PrimaryKey({ type: 'text' })
  workerId!: string;

  /** The process the worker runs in, for the logs. */
  @Property({ type: 'text' })
  instanceId!: string;

  @Index({ name: 'job_worker_heartbeats_beat_at_idx' })
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  beatAt: Date = new Date();
}
