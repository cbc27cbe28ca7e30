/**
 * Assessment targets in DynamoDB (TABLES.targets), written by the control plane and read by the run
 * lifecycle (getTarget) in this exact shape: the AssessmentTarget fields, nothing else.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AssessmentTarget } from '../../core/assessment';
import type { TargetsStore } from '../../core/control-plane/ports';
import type { TargetReader } from '../../ports/template-store';
import { DynamoKeyedRepository } from './dynamo-items';
import { TABLES } from './table-design';

export class DynamoTargetsRepository
  extends DynamoKeyedRepository<AssessmentTarget>
  implements TargetsStore, TargetReader
{
  constructor(doc: DynamoDBDocumentClient, table: string) {
    super(doc, table, TABLES.targets.partitionKey);
  }

  update(target: AssessmentTarget): Promise<boolean> {
    return this.replace(target);
  }

  /** The run lifecycle's read (eventually consistent). */
  getTarget(targetId: string): Promise<AssessmentTarget | undefined> {
    return this.read(targetId, false);
  }
}
