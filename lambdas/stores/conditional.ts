// The one place that tells "the condition of a conditional write did not hold" from a failure.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** Runs a conditional write: its result, or undefined when its condition did not hold. */
export async function resultIf<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Runs a conditional write: true when written, false when its condition did not hold. */
export async function writeIf(write: () => Promise<unknown>): Promise<boolean> {
  return (await resultIf(async () => (await write(), true))) ?? false;
}
