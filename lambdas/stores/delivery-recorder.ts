// Records a batch of delivery results in one go: every attempt's history item and every job's
// new state, in as few BatchWriteItem calls as possible (usually one per SQS batch).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryAttempt, DeliveryJob } from '../domain/delivery.js';
import { batchPut } from './batch-writer.js';
import { attemptToItem } from './delivery-store.js';
import { jobToItem } from './job-store.js';

export type DeliveryRecord = { attempts: DeliveryAttempt[]; jobs: DeliveryJob[] };

export class DeliveryRecorder {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { jobs: string; deliveries: string },
  ) {}

  async record({ attempts, jobs }: DeliveryRecord): Promise<void> {
    await batchPut(this.db, [
      ...attempts.map((a) => ({ tableName: this.tables.deliveries, item: attemptToItem(a) })),
      ...jobs.map((j) => ({ tableName: this.tables.jobs, item: jobToItem(j) })),
    ]);
  }
}
