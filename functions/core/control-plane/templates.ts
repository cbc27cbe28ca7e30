/**
 * Assessment templates: create, delete, list, describe. A template is immutable (update is refused); only its
 * tags (list/set-tags-for-resource) and event subscriptions (subscribe/unsubscribe-from-event) change, as in
 * Classic. A template with a schedule gets an EventBridge Scheduler schedule that starts the state machine.
 */
import * as z from 'zod';
import { CisTailoringError, checkCisTailoring } from '../../rules/cis/tailoring';
import { RuleParameterError, validateRuleParameters } from '../../rules/parameters';
import { type AssessmentTemplate, templateInputSchema } from '../assessment';
import type { CisContext } from '../rule';
import { RUN_EVENTS } from '../run';
import {
  type FailedItem,
  globToRegExp,
  idSchema,
  keyValueSchema,
  pageArray,
  pageFields,
  readAll,
  uniqueKeys,
} from './common';
import { ControlPlaneError, invalidInput, limitExceeded, noSuchEntity, parseInput } from './errors';
import type { ControlPlaneDeps, Page } from './ports';
import { findRulesPackage } from './rules-packages';
import { requireTarget } from './targets';

/** Subscriptions per template (Classic keeps a similar small bound). */
export const MAX_SUBSCRIPTIONS_PER_TEMPLATE = 50;
export const MAX_TAGS_PER_TEMPLATE = 50;

export const createTemplateSchema = templateInputSchema.strict();
export const templateIdSchema = z.strictObject({ templateId: idSchema });
export const listTemplatesSchema = z.strictObject({
  targetId: idSchema.optional(),
  namePattern: z.string().min(1).max(140).optional(),
  ...pageFields,
});
export const describeTemplatesSchema = z.strictObject({ templateIds: z.array(idSchema).min(1).max(10) });
export const resourceIdSchema = z.strictObject({ resourceId: idSchema });
export const setTagsSchema = z.strictObject({
  resourceId: idSchema,
  tags: z.array(keyValueSchema).max(MAX_TAGS_PER_TEMPLATE).default([]),
});
const topicArnSchema = z
  .string()
  .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN');
export const subscriptionSchema = z.strictObject({
  templateId: idSchema,
  event: z.enum(RUN_EVENTS),
  topicArn: topicArnSchema,
});
export const listSubscriptionsSchema = z.strictObject({ templateId: idSchema.optional(), ...pageFields });

export async function requireTemplate(
  deps: ControlPlaneDeps,
  templateId: string,
): Promise<AssessmentTemplate> {
  const template = await deps.templates.get(templateId);
  if (!template) throw noSuchEntity(`assessment template ${templateId} does not exist`);
  return template;
}

export async function createAssessmentTemplate(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ templateId: string }> {
  const input = parseInput(createTemplateSchema, raw, 'create-assessment-template');
  const { limits } = deps;
  if (
    input.durationSeconds < limits.minDurationSeconds ||
    input.durationSeconds > limits.maxDurationSeconds
  ) {
    throw invalidInput(
      `durationSeconds must be between ${limits.minDurationSeconds} and ${limits.maxDurationSeconds} (got ${input.durationSeconds})`,
    );
  }
  if (new Set(input.rulesPackages).size !== input.rulesPackages.length) {
    throw invalidInput('rulesPackages: each rules package may appear once');
  }
  if (input.rulesPackages.length > limits.maxRulesPackagesPerTemplate) {
    throw limitExceeded(`at most ${limits.maxRulesPackagesPerTemplate} rules packages per template`);
  }
  for (const id of input.rulesPackages) {
    const info = findRulesPackage(id);
    if (!info) throw noSuchEntity(`rules package ${id} does not exist (see list-rules-packages)`);
    if (!info.available) throw invalidInput(`rules package ${id} is not available in this version yet`);
  }
  let ruleParameters: AssessmentTemplate['ruleParameters'];
  if (input.ruleParameters && Object.keys(input.ruleParameters).length > 0) {
    try {
      ruleParameters = validateRuleParameters(input.ruleParameters, input.rulesPackages);
    } catch (err) {
      if (err instanceof RuleParameterError) throw invalidInput(`ruleParameters: ${err.message}`);
      throw err;
    }
  }
  let cis: CisContext | undefined;
  if (input.cis) {
    if (!input.rulesPackages.includes('cis'))
      throw invalidInput('cis: the template names no cis rules package (add cis to rulesPackages)');
    try {
      cis = checkCisTailoring(input.cis);
    } catch (err) {
      if (err instanceof CisTailoringError) throw invalidInput(`cis: ${err.message}`);
      throw err;
    }
  }
  uniqueKeys(input.userAttributes, 'userAttributes');
  uniqueKeys(input.tags, 'tags');
  const pairs = new Set(input.topics.map((t) => `${t.event} ${t.topicArn}`));
  if (pairs.size !== input.topics.length) throw invalidInput('topics: each event/topic pair may appear once');
  await requireTarget(deps, input.targetId);
  const count = await deps.templates.count();
  if (count >= limits.maxTemplates) {
    throw limitExceeded(`at most ${limits.maxTemplates} assessment templates may exist (there are ${count})`);
  }
  const template: AssessmentTemplate = {
    templateId: deps.newId('template'),
    name: input.name,
    targetId: input.targetId,
    rulesPackages: input.rulesPackages,
    durationSeconds: input.durationSeconds,
    userAttributes: input.userAttributes,
    topics: input.topics,
    tags: input.tags,
    createdAt: deps.now().toISOString(),
  };
  if (input.schedule) template.schedule = input.schedule;
  if (ruleParameters) template.ruleParameters = ruleParameters;
  if (cis) template.cis = cis;
  await deps.templates.create(template);
  if (template.schedule) {
    try {
      await deps.scheduler.upsert(template.templateId, template.schedule);
    } catch (err) {
      // Leave nothing half made: a template that asked for a schedule exists only with its schedule.
      await deps.templates.delete(template.templateId);
      throw invalidInput(`schedule ${template.schedule} was refused: ${(err as Error).message}`);
    }
  }
  return { templateId: template.templateId };
}

export async function updateAssessmentTemplate(_deps: ControlPlaneDeps, _raw: unknown): Promise<never> {
  throw invalidInput(
    'assessment templates are immutable; create a new template (tags and event subscriptions can still be changed)',
  );
}

export async function deleteAssessmentTemplate(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ templateId: string }> {
  const input = parseInput(templateIdSchema, raw, 'delete-assessment-template');
  const template = await requireTemplate(deps, input.templateId);
  const active = await deps.runs.active(input.templateId);
  if (active.length > 0) {
    throw new ControlPlaneError(
      'AssessmentRunInProgressException',
      `assessment run ${active[0]!.runId} of template ${input.templateId} is in progress; stop it first`,
    );
  }
  if (template.schedule) await deps.scheduler.remove(input.templateId);
  if (!(await deps.templates.delete(input.templateId))) {
    throw noSuchEntity(`assessment template ${input.templateId} does not exist`);
  }
  return { templateId: input.templateId };
}

export async function listAssessmentTemplates(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<Page<AssessmentTemplate>> {
  const input = parseInput(listTemplatesSchema, raw, 'list-assessment-templates');
  if (!input.targetId && !input.namePattern) {
    return deps.templates.list({ maxResults: input.maxResults, nextToken: input.nextToken });
  }
  let all = input.targetId
    ? await deps.templates.listByTarget(input.targetId)
    : await readAll((page) => deps.templates.list(page));
  if (input.namePattern) {
    const pattern = globToRegExp(input.namePattern);
    all = all.filter((t) => pattern.test(t.name));
  }
  all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.templateId.localeCompare(b.templateId));
  return pageArray(all, input.maxResults, input.nextToken);
}

export async function describeAssessmentTemplates(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ templates: AssessmentTemplate[]; failedItems: FailedItem[] }> {
  const input = parseInput(describeTemplatesSchema, raw, 'describe-assessment-templates');
  const templates: AssessmentTemplate[] = [];
  const failedItems: FailedItem[] = [];
  for (const id of input.templateIds) {
    const t = await deps.templates.get(id);
    if (t) templates.push(t);
    else failedItems.push({ id, failureCode: 'ITEM_DOES_NOT_EXIST' });
  }
  return { templates, failedItems };
}

export async function listTagsForResource(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ tags: AssessmentTemplate['tags'] }> {
  const input = parseInput(resourceIdSchema, raw, 'list-tags-for-resource');
  const template = await requireTemplate(deps, input.resourceId);
  return { tags: template.tags };
}

export async function setTagsForResource(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ resourceId: string }> {
  const input = parseInput(setTagsSchema, raw, 'set-tags-for-resource');
  uniqueKeys(input.tags, 'tags');
  await requireTemplate(deps, input.resourceId);
  if (!(await deps.templates.setTags(input.resourceId, input.tags))) {
    throw noSuchEntity(`assessment template ${input.resourceId} does not exist`);
  }
  return { resourceId: input.resourceId };
}

/** Attempts at a subscription change when other changes to the same template's topics keep winning. */
const TOPIC_UPDATE_ATTEMPTS = 10;

/**
 * Applies `change` to the template's topics as an optimistic update: written only if the topics are still
 * those read, re-read and re-applied otherwise, so concurrent subscribe/unsubscribe calls lose no change.
 * `change` returns the new topics, or undefined when there is nothing to write.
 */
async function updateTopics(
  deps: ControlPlaneDeps,
  templateId: string,
  change: (topics: AssessmentTemplate['topics']) => AssessmentTemplate['topics'] | undefined,
): Promise<void> {
  for (let attempt = 0; attempt < TOPIC_UPDATE_ATTEMPTS; attempt++) {
    const template = await requireTemplate(deps, templateId);
    const topics = change(template.topics);
    if (!topics) return;
    if (await deps.templates.replaceTopics(templateId, template.topics, topics)) return;
  }
  throw new ControlPlaneError(
    'ServiceTemporarilyUnavailableException',
    `the event subscriptions of template ${templateId} kept changing; try again`,
  );
}

export async function subscribeToEvent(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<z.infer<typeof subscriptionSchema>> {
  const input = parseInput(subscriptionSchema, raw, 'subscribe-to-event');
  await updateTopics(deps, input.templateId, (topics) => {
    if (topics.some((t) => t.event === input.event && t.topicArn === input.topicArn)) return undefined;
    if (topics.length >= MAX_SUBSCRIPTIONS_PER_TEMPLATE) {
      throw limitExceeded(`at most ${MAX_SUBSCRIPTIONS_PER_TEMPLATE} event subscriptions per template`);
    }
    return [...topics, { event: input.event, topicArn: input.topicArn }];
  });
  return input;
}

export async function unsubscribeFromEvent(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<z.infer<typeof subscriptionSchema>> {
  const input = parseInput(subscriptionSchema, raw, 'unsubscribe-from-event');
  await updateTopics(deps, input.templateId, (topics) => {
    const rest = topics.filter((t) => !(t.event === input.event && t.topicArn === input.topicArn));
    if (rest.length === topics.length) {
      throw noSuchEntity(
        `template ${input.templateId} has no subscription of ${input.topicArn} to ${input.event}`,
      );
    }
    return rest;
  });
  return input;
}

export interface EventSubscription {
  templateId: string;
  event: (typeof RUN_EVENTS)[number];
  topicArn: string;
}

export async function listEventSubscriptions(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<Page<EventSubscription>> {
  const input = parseInput(listSubscriptionsSchema, raw, 'list-event-subscriptions');
  const templates = input.templateId
    ? [await requireTemplate(deps, input.templateId)]
    : await readAll((page) => deps.templates.list(page));
  const all = templates.flatMap((t) =>
    t.topics.map((s) => ({ templateId: t.templateId, event: s.event, topicArn: s.topicArn })),
  );
  return pageArray(all, input.maxResults, input.nextToken);
}
