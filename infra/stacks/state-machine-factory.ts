/**
 * Finds the assessment-run state machine construct (infra/constructs/assessment-run-state-machine.ts,
 * owned by the run-lifecycle work) and adapts it to a StateMachineFactory. Loaded dynamically so the
 * app synthesizes (without a state machine, with a warning) until that construct exists.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { REPO_ROOT } from '../../scripts/build-agent';
import type { LifecycleFunctions, StateMachineFactory } from './inspector-stack';

export const STATE_MACHINE_CONSTRUCT = 'infra/constructs/assessment-run-state-machine.ts';

type ConstructClass = new (
  scope: Construct,
  id: string,
  props: { functions: LifecycleFunctions; logEncryptionKey: kms.IKey },
) => Construct;

export async function loadStateMachineFactory(
  root: string = REPO_ROOT,
): Promise<StateMachineFactory | undefined> {
  const file = path.join(root, STATE_MACHINE_CONSTRUCT);
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const ctor = Object.values(mod).find(
    (v): v is ConstructClass => typeof v === 'function' && /StateMachine/.test(v.name),
  );
  if (!ctor) throw new Error(`${STATE_MACHINE_CONSTRUCT} exports no state machine construct class`);
  return (scope, id, props) => {
    const built = new ctor(scope, id, props);
    if (built instanceof sfn.StateMachine) return built;
    const inner = (built as unknown as { stateMachine?: unknown }).stateMachine;
    if (inner instanceof sfn.StateMachine) return inner;
    throw new Error(`${ctor.name} exposes no sfn.StateMachine (expected it or a .stateMachine property)`);
  };
}
