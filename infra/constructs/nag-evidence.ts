/**
 * cdk-nag 3 acknowledges an IAM5 finding only with its exact evidence, e.g.
 * `AwsSolutions-IAM5[Resource::<DataRunsTable….Arn>/index/*]`. This renders a resource ARN the way cdk-nag
 * does (its flattenCfnReference), from the same tokens the grant used, so an acknowledgement stays exact
 * whether the stack is environment-agnostic or pinned to an account and region.
 */
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (o['Fn::Join']) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
    if (o['Fn::GetAtt']) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o['Fn::ImportValue']) return flatten(o['Fn::ImportValue']);
    if (o.Ref) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** `Resource::<flattened ARN>` for an ARN string (tokens allowed) as cdk-nag prints it. */
export function resourceEvidence(scope: IConstruct, arn: string): string {
  return `Resource::${flatten(Stack.of(scope).resolve(arn))}`;
}
